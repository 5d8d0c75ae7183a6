"""Data-parallel fits over torch.distributed: 2 CPU processes (gloo) launched by torchrun.

The worker script below fits GANShieldedOvAClassifier on digits 0-4 and
writes, per rank, SHA-256 digests of every tensor of the four networks
(parameters and buffers), of the predictions and of the fitted statistics,
plus accuracy and OoD AUROC (digits 5-9). The tests compare the ranks with
each other and with a single-process fit of the same global batch.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import load_digits_images
from gan_ova.training.distributed import data_parallel, launch_environment

ROOT = Path(__file__).resolve().parents[1]

# The fit of every test: 2 autoencoder epochs, 3 stage-2 epochs on 699 digits (0-4), small GAN.
FIT = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, latent_dim=8, cae_max_epochs=2, max_epochs=3,
           calibration="temperature", random_state=0)
GLOBAL_BATCH = 64
# Accuracy and OoD AUROC of the 2-process fit must lie this close to the single-process fit
# with the same global batch. Measured (`python benchmarks/distributed.py --tiny --seeds 0 1 2 3 4
# --skip-two-threads`): single-process fits of this configuration with random_state 0..4 span
# accuracy 0.955-0.985 and AUROC 0.929-0.967; the 2-process fit of each seed differed from the
# single-process fit of the same seed by at most 0.030 (accuracy) and 0.026 (AUROC). A 2-process
# fit is another draw of the same training noise (other batches, other GAN noise), so the
# tolerances are the seed-to-seed ranges, rounded up.
ACC_TOL, AUROC_TOL = 0.04, 0.05

WORKER = textwrap.dedent(
    """
    import contextlib, hashlib, io, json, os, sys
    import numpy as np
    import torch

    torch.set_num_threads(1)
    import gan_ova.estimator
    import gan_ova.training.checkpoint as ckpt_mod
    from gan_ova import GANShieldedOvAClassifier
    from gan_ova.datasets import load_digits_images
    from gan_ova.metrics import ood_auroc

    out, params = sys.argv[1], json.loads(sys.argv[2])
    rank = int(os.environ.get("RANK", 0))
    writes = []
    for mod in (gan_ova.estimator, ckpt_mod):  # record who writes checkpoints
        def logged(obj, path, _save=mod.atomic_torch_save):
            writes.append(os.path.basename(str(path)))
            return _save(obj, path)
        mod.atomic_torch_save = logged

    X, y = load_digits_images()
    Xi, yi, Xo = X[y < 5], y[y < 5], X[y >= 5]
    perm = np.random.RandomState(0).permutation(len(Xi))
    te, tr = perm[:200], perm[200:]
    X_tr, y_tr = Xi[tr], yi[tr]
    data = (X_tr, y_tr)
    if params.pop("stream", False):  # the same images as a map-style Dataset of (image, label) items
        class Items(torch.utils.data.Dataset):
            def __len__(self):
                return len(X_tr)

            def __getitem__(self, i):
                return torch.from_numpy(X_tr[i]), int(y_tr[i])

        data = (Items(),)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        clf = GANShieldedOvAClassifier(**params).fit(*data)

    def sha(a):
        a = a.detach().cpu().numpy() if torch.is_tensor(a) else np.asarray(a)
        return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()

    net = clf.shielding_net_
    modules = {"classifier": net.module_, "generator": net.generator_, "critic": net.critic_,
               "autoencoder": clf.autoencoder_.module_}
    u_in, u_out = clf.predict_uncertainty(Xi[te]), clf.predict_uncertainty(Xo)
    result = {
        "rank": clf.distributed_rank_, "world_size": clf.distributed_world_size_,
        "tensors": {f"{m}.{k}": sha(v) for m, mod in modules.items() for k, v in mod.state_dict().items()},
        "optimizers": {name: sha(torch.cat([s["exp_avg"].reshape(-1) for s in getattr(net, name + "_").state.values()]))
                       for name in net._optimizers},
        "fitted": {k: sha(getattr(clf, k)) for k in ("latent_mean_", "latent_scale_", "class_prior_",
                                                      "calibration_temperature_")},
        "best_epoch": clf.best_epoch_,
        "final_lrs": [g["lr"] for name in net._optimizers for g in getattr(net, name + "_").param_groups],
        "predictions": sha(clf.predict_proba(Xi[te])) + sha(u_out.epistemic),
        "accuracy": float(np.mean(clf.predict(Xi[te]) == yi[te])),
        "auroc": float(ood_auroc(u_in.epistemic, u_out.epistemic)),
        "writes": writes,
        "printed": printed.getvalue(),
    }
    with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
        json.dump(result, f)
    """
)


def _env():
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR",
                                                              "MASTER_PORT")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["OMP_NUM_THREADS"] = "1"
    return env


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(tmp_path, params, nproc, name):
    """Run the worker (under torchrun when ``nproc`` > 1); the per-rank results, by rank."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out = tmp_path / name
    out.mkdir()
    args = [str(script), str(out), json.dumps(params)]
    if nproc > 1:
        args = ["-m", "torch.distributed.run", "--nproc-per-node", str(nproc), "--master-addr", "127.0.0.1",
                "--master-port", str(_free_port())] + args
    proc = subprocess.run([sys.executable] + args, env=_env(), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(nproc)]


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("single"), dict(FIT, batch_size=GLOBAL_BATCH), 1, "out")[0]


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("two"), dict(FIT, batch_size=GLOBAL_BATCH // 2), 2, "out")


def test_two_processes_end_with_identical_models(two):
    r0, r1 = two
    assert (r0["rank"], r0["world_size"], r1["rank"], r1["world_size"]) == (0, 2, 1, 2)
    # every parameter and buffer of the classifier, generator (BatchNorm statistics too), critic and cAE
    assert len(r0["tensors"]) > 20 and any(".running_mean" in k for k in r0["tensors"])
    assert r0["tensors"] == r1["tensors"]
    assert r0["optimizers"] == r1["optimizers"]
    assert r0["fitted"] == r1["fitted"]  # incl. the calibration temperature fitted after training
    assert r0["best_epoch"] == r1["best_epoch"]
    assert r0["predictions"] == r1["predictions"]  # predict* works, and agrees, on every rank


def test_two_processes_match_one_process_with_the_same_global_batch(single, two):
    assert single["world_size"] == 1
    assert single["tensors"] != two[0]["tensors"]  # really another fit, not the same code path
    assert abs(two[0]["accuracy"] - single["accuracy"]) <= ACC_TOL, (two[0]["accuracy"], single["accuracy"])
    assert abs(two[0]["auroc"] - single["auroc"]) <= AUROC_TOL, (two[0]["auroc"], single["auroc"])
    assert single["accuracy"] > 0.85 and single["auroc"] > 0.6  # the comparison is between working fits
    # the linear decay counts each rank's batches: it ends at final_lr in both fits
    np.testing.assert_allclose(two[0]["final_lrs"], [1e-5] * 3, rtol=1e-6)
    np.testing.assert_allclose(single["final_lrs"], [1e-5] * 3, rtol=1e-6)


def test_a_streamed_dataset_trains_like_the_array(two, tmp_path):
    # fit(Dataset) (the streaming path) shards the same way: the same model as from the array
    streamed = _run(tmp_path, dict(FIT, batch_size=GLOBAL_BATCH // 2, stream=True), 2, "out")
    assert streamed[0]["tensors"] == streamed[1]["tensors"] == two[0]["tensors"]
    assert streamed[0]["predictions"] == two[0]["predictions"]


def test_bf16_data_parallel_fit_ends_identical_on_both_ranks(two, tmp_path):
    # precision="bf16" (autocast forwards, float32 gradients): averaged the same way
    r0, r1 = _run(tmp_path, dict(FIT, batch_size=GLOBAL_BATCH // 2, precision="bf16"), 2, "out")
    assert r0["tensors"] == r1["tensors"] and r0["predictions"] == r1["predictions"]
    assert r0["tensors"] != two[0]["tensors"]  # really another computation
    assert abs(r0["accuracy"] - two[0]["accuracy"]) <= ACC_TOL


def test_only_rank_0_writes_checkpoints_and_a_rerun_resumes(tmp_path):
    params = dict(FIT, batch_size=GLOBAL_BATCH // 2, checkpoint_dir=str(tmp_path / "ckpt"), verbose=1)
    first = _run(tmp_path, params, 2, "first")
    assert first[0]["writes"] == ["stage1.pt"] + ["stage2.pt"] * FIT["max_epochs"]
    assert first[1]["writes"] == []
    # progress output from rank 0 only; the plan counts the batches of one shard (561 // 2 // 32 = 8)
    assert "stage 2/2" in first[0]["printed"] and "x 8 batches per epoch" in first[0]["printed"]
    assert first[1]["printed"] == ""
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["stage1.pt", "stage2.pt"]
    again = _run(tmp_path, params, 2, "again")  # both stages restored from rank 0's files on both ranks
    assert again[0]["writes"] == again[1]["writes"] == []
    assert again[0]["tensors"] == again[1]["tensors"] == first[0]["tensors"]


DDP_CHECK = textwrap.dedent(
    """
    import copy, json, os, sys
    import torch, torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    torch.set_num_threads(1)
    from gan_ova.losses import critic_loss
    from gan_ova.nets import Critic
    from gan_ova.training.distributed import DataParallel

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    critic = Critic(n_classes=3, latent_dim=4, hidden=(16, 16))
    plain, ddp = copy.deepcopy(critic), DDP(critic)
    torch.manual_seed(1 + rank)  # each rank its own batch
    real, fake = torch.randn(8, 4), torch.randn(8, 4)
    cond = torch.nn.functional.one_hot(torch.randint(0, 3, (8,)), 3).float()
    diffs = []
    for step in range(2):
        for net in (ddp, plain):  # the same penalty draws for both
            mix = torch.Generator().manual_seed(step + 10 * rank)
            loss, _ = critic_loss(net, real, fake, cond, 10.0, generator=mix)
            loss.backward()
        DataParallel(rank, world, rank, "cpu").average(plain)
        diffs.append(max(float((a.grad - b.grad).abs().max()) for a, b in zip(critic.parameters(), plain.parameters())))
        critic.zero_grad()
        plain.zero_grad()
    with open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w") as f:
        json.dump({"diffs": diffs}, f)
    # release DDP's reducer (it holds the process group) and let both ranks finish before the
    # group goes: tearing it down under a live reducer once ended a worker with std::terminate
    del ddp
    dist.barrier()
    dist.destroy_process_group()
    """
)


def test_all_reduced_critic_gradients_equal_distributed_data_parallel(tmp_path):
    # The WGAN-GP critic step (gradient penalty by double backward) with torch's DDP as the
    # reference: DataParallel.average gives the gradients DDP's reducer gives.
    script = tmp_path / "ddp_check.py"
    script.write_text(DDP_CHECK)
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
         "--master-port", str(_free_port()), str(script), str(tmp_path)],
        env=_env(), capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    for rank in (0, 1):
        diffs = json.loads((tmp_path / f"rank{rank}.json").read_text())["diffs"]
        assert len(diffs) == 2 and max(diffs) <= 1e-6, diffs


def test_each_rank_iterates_over_its_own_shard_reshuffled_every_epoch():
    from skorch.dataset import Dataset
    from skorch.history import History

    from gan_ova.training.distributed import DataParallel

    X, y = load_digits_images()
    net = GANShieldedOvAClassifier(**dict(FIT, cae_max_epochs=1, max_epochs=1, batch_size=16)).fit(X[:120], y[:120])
    ae = net.autoencoder_
    data = Dataset(np.arange(101, dtype=np.float32)[:, None], np.zeros(101))

    def epoch_rows(rank, epoch):
        ae.history_ = History([{"epoch": e} for e in range(1, epoch + 1)])  # skorch: the epoch being trained
        ae.data_parallel_ = DataParallel(rank, 2, rank, "cpu", seed=7)
        try:
            return [int(v) for xb, _ in ae.get_iterator(data, training=True) for v in xb[:, 0]]
        finally:
            del ae.data_parallel_

    r0, r1 = epoch_rows(0, 1), epoch_rows(1, 1)
    assert len(r0) == len(r1) == 48  # 50 examples each (101 // 2), in whole batches of 16
    assert not set(r0) & set(r1)
    assert epoch_rows(0, 1) == r0  # the same order on every call for the same epoch (every rank agrees)
    assert epoch_rows(0, 2) != r0  # reshuffled the next epoch
    assert [int(v) for xb, _ in ae.get_iterator(data, training=True) for v in xb[:, 0]] != r0  # off: all rows
    assert len(list(ae.get_iterator(data, training=True))) == 101 // 16


# ---- without a launch: parameter checks and the environment -------------------------------------


@pytest.fixture
def no_launch(monkeypatch):
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)


@pytest.mark.parametrize("value", [True, False, "yes", None, 2])
def test_distributed_parameter_is_validated(value):
    X, y = load_digits_images()
    with pytest.raises(ValueError, match=r"^distributed: expected one of \['auto', 'on', 'off'\], got "):
        GANShieldedOvAClassifier(distributed=value).fit(X[:50], y[:50])


def test_on_without_a_launch_is_a_clear_error(no_launch):
    X, y = load_digits_images()
    clf = GANShieldedOvAClassifier(distributed="on", **dict(FIT, cae_max_epochs=1, max_epochs=1, batch_size=32))
    with pytest.raises(ValueError, match=r"^distributed: expected a torchrun launch .* got neither"):
        clf.fit(X[:100], y[:100])
    assert not hasattr(clf, "classes_")  # left as it was


def test_world_size_1_is_a_single_process_fit(monkeypatch):
    X, y = load_digits_images()
    X, y = X[:300], y[:300]
    params = dict(FIT, cae_max_epochs=1, max_epochs=1, batch_size=32)
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    plain = GANShieldedOvAClassifier(**params).fit(X, y)
    for key, value in dict(WORLD_SIZE="1", RANK="0", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
                           MASTER_PORT=str(_free_port())).items():
        monkeypatch.setenv(key, value)
    launched = GANShieldedOvAClassifier(**params).fit(X, y)
    assert launched.distributed_world_size_ == plain.distributed_world_size_ == 1
    assert launched.distributed_rank_ == 0
    np.testing.assert_array_equal(launched.predict_proba(X), plain.predict_proba(X))


def test_on_joins_a_group_and_destroys_only_its_own(monkeypatch):
    import torch.distributed as dist

    X, y = load_digits_images()
    X, y = X[:200], y[:200]
    params = dict(FIT, cae_max_epochs=1, max_epochs=1, batch_size=32, distributed="on")
    port = _free_port()
    for key, value in dict(WORLD_SIZE="1", RANK="0", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
                           MASTER_PORT=str(port)).items():
        monkeypatch.setenv(key, value)
    clf = GANShieldedOvAClassifier(**params).fit(X, y)  # creates a 1-process gloo group, then destroys it
    assert (clf.distributed_rank_, clf.distributed_world_size_) == (0, 1)
    assert not dist.is_initialized()
    assert "data_parallel_" not in vars(clf.shielding_net_) and "data_parallel_" not in vars(clf.autoencoder_)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=0, world_size=1)
    try:
        GANShieldedOvAClassifier(**params).fit(X, y)  # the script's own group: used and left alone
        assert dist.is_initialized()
    finally:
        dist.destroy_process_group()


def test_off_ignores_a_launch(monkeypatch):
    # WORLD_SIZE=2 without a second process: "off" must not try to join a group.
    for key, value in dict(WORLD_SIZE="2", RANK="0", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
                           MASTER_PORT=str(_free_port())).items():
        monkeypatch.setenv(key, value)
    X, y = load_digits_images()
    clf = GANShieldedOvAClassifier(distributed="off", **dict(FIT, cae_max_epochs=1, max_epochs=1, batch_size=32))
    clf.fit(X[:200], y[:200])
    assert clf.distributed_world_size_ == 1


def test_launch_environment_needs_the_rendezvous_variables(no_launch, monkeypatch):
    assert launch_environment({}) is None
    with pytest.raises(ValueError, match=r"^distributed: expected the launch variables .* without \['MASTER_ADDR"):
        launch_environment({"WORLD_SIZE": "2", "RANK": "0", "MASTER_PORT": "1"})
    with data_parallel("auto", "cpu") as dp:
        assert dp is None
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match="without"), data_parallel("auto", "cpu"):
        pass
    with data_parallel("off", "cpu") as dp:
        assert dp is None


def test_ctrl_c_stops_every_rank(tmp_path):
    # Ctrl-C in a terminal sends SIGINT to torchrun and both workers: the fit must end on every
    # rank (KeyboardInterrupt, no result written) instead of leaving a rank waiting in a collective.
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    (tmp_path / "out").mkdir()
    ckpt = tmp_path / "ckpt"
    params = dict(FIT, max_epochs=500, batch_size=GLOBAL_BATCH // 2, checkpoint_dir=str(ckpt))
    proc = subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
         "--master-port", str(_free_port()), str(script), str(tmp_path / "out"), json.dumps(params)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not (ckpt / "stage2.pt").exists():  # stage 2 is under way
            assert proc.poll() is None and time.monotonic() < deadline, "the fit ended or stalled before stage 2"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)
        start = time.monotonic()
        output, _ = proc.communicate(timeout=120)
        # well before torchrun's own SIGKILL of workers that ignore the signal (30 s after it)
        assert time.monotonic() - start < 25
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode != 0
    assert b"fit interrupted during stage 2 of a data-parallel fit" in output
    assert not list((tmp_path / "out").iterdir())  # no rank finished its fit
