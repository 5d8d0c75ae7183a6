"""The ``precision`` and ``compile`` switches (docs: "Scaling up", "Mixed precision and torch.compile").

CPU tests with tiny fits; the float16 ("16-mixed") path is CUDA-only for users,
but its gradient-scaling machinery is exercised here on the CPU by lifting the
device check (torch has float16 autocast and GradScaler on the CPU too, only slow).
"""

import contextlib
import hashlib
import json
import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs

import gan_ova._base
from gan_ova import GANShieldedOvAClassifier
from gan_ova.baselines import (
    ConfidentClassifier,
    DeepEnsembleClassifier,
    MCDropoutClassifier,
    OvAClassifier,
    SoftmaxClassifier,
)
from gan_ova.losses import gradient_penalty
from gan_ova.persistence import CONFIG_NAME, load_model, save_model
from gan_ova.training import ShieldingNet, autocast_context, load_training_state

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ALL = [GANShieldedOvAClassifier, SoftmaxClassifier, OvAClassifier, MCDropoutClassifier, DeepEnsembleClassifier,
       ConfidentClassifier]
SMALL = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, cae_max_epochs=2, max_epochs=2, batch_size=32,
             latent_dim=8, random_state=0)


@pytest.fixture(scope="module")
def digits_split(digits200):
    X, y = digits200
    return X[:150], y[:150], X[150:], y[150:]


def _fit(digits_split, **params):
    X, y, _, _ = digits_split
    return GANShieldedOvAClassifier(**{**SMALL, **params}).fit(X, y)


@pytest.fixture(scope="module")
def fp32_model(digits_split):
    return _fit(digits_split)


@pytest.fixture(scope="module")
def bf16_model(digits_split):
    return _fit(digits_split, precision="bf16")


def _check_outputs(clf, X):
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    u = clf.predict_uncertainty(X)
    for key in ("aleatoric", "epistemic"):
        assert u[key].dtype == np.float64 and np.isfinite(u[key]).all()
    return proba


# ----------------------------------------------------------------------
# parameter validation
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("value", ["fp16", "16", 32, "bf16-mixed", None])
def test_invalid_precision_is_an_error(cls, value, digits200):
    X, y = digits200
    with pytest.raises(ValueError, match=r"precision: expected one of \['32', 'bf16', '16-mixed'\], got "):
        cls(precision=value, max_epochs=1).fit(X[:40], y[:40])


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_invalid_compile_is_an_error(cls, value, digits200):
    X, y = digits200
    with pytest.raises(ValueError, match=r"compile: expected True or False, got "):
        cls(compile=value, max_epochs=1).fit(X[:40], y[:40])


@pytest.mark.parametrize("cls", ALL)
def test_16_mixed_on_the_cpu_is_an_error(cls, digits200):
    X, y = digits200
    clf = cls(precision="16-mixed", device="cpu", max_epochs=1)
    with pytest.raises(ValueError, match=r"precision: '16-mixed' .* needs a CUDA device, got device='cpu'; on a CPU "
                                         r"use precision='bf16'"):
        clf.fit(X[:40], y[:40])
    assert not hasattr(clf, "classes_")


@pytest.mark.parametrize("cls", ALL)
def test_defaults(cls):
    params = cls().get_params()
    assert params["precision"] == "32" and params["compile"] is False


# ----------------------------------------------------------------------
# the default path is unchanged
# ----------------------------------------------------------------------
def _digest(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def test_explicit_32_is_the_default_bit_for_bit(digits_split, fp32_model):
    _, _, X_te, _ = digits_split
    explicit = _fit(digits_split, precision="32", compile=False)
    assert _digest(explicit.predict_proba(X_te)) == _digest(fp32_model.predict_proba(X_te))
    assert _digest(explicit.shielding_net_.history[:, "train_loss"]) == _digest(
        fp32_model.shielding_net_.history[:, "train_loss"])
    assert explicit.shielding_net_.grad_scalers_ == {} and explicit.autoencoder_.grad_scalers_ == {}


def test_precision_32_uses_no_autocast_context():
    assert isinstance(autocast_context("cpu", "32"), contextlib.nullcontext)
    with autocast_context("cpu", "bf16"):
        assert torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16


# ----------------------------------------------------------------------
# bf16
# ----------------------------------------------------------------------
def test_bf16_fit_gives_a_working_model(digits_split, bf16_model, fp32_model):
    _, _, X_te, y_te = digits_split
    proba = _check_outputs(bf16_model, X_te)
    assert bf16_model.score(X_te, y_te) > 0.6  # 5 classes: chance is 0.2
    # bf16 really ran: training and predictions differ from the float32 fit of the same seed
    assert not np.array_equal(proba, fp32_model.predict_proba(X_te))
    assert not np.array_equal(bf16_model.shielding_net_.history[:, "train_loss"],
                              fp32_model.shielding_net_.history[:, "train_loss"])
    assert not np.array_equal(bf16_model.autoencoder_.history[:, "train_loss"],
                              fp32_model.autoencoder_.history[:, "train_loss"])
    # weights and optimizer states stay float32
    net = bf16_model.shielding_net_
    for module in (net.module_, net.generator_, net.critic_, bf16_model.autoencoder_.module_):
        assert all(p.dtype == torch.float32 for p in module.parameters())
    for opt in (net.optimizer_, net.generator_optimizer_, net.critic_optimizer_):
        assert all(v.dtype == torch.float32 for s in opt.state.values() for v in s.values() if v.is_floating_point())


def test_bf16_prediction_runs_under_autocast(digits_split, bf16_model):
    _, _, X_te, _ = digits_split
    seen = []
    handle = bf16_model.shielding_net_.module_.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    try:
        bf16_model.predict_proba(X_te)
    finally:
        handle.remove()
    assert seen and set(seen) == {torch.bfloat16}


def test_bf16_model_round_trips(tmp_path, digits_split, bf16_model):
    _, _, X_te, _ = digits_split
    save_model(bf16_model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.precision == "bf16"
    np.testing.assert_array_equal(loaded.predict_proba(X_te), bf16_model.predict_proba(X_te))


@pytest.mark.parametrize("cls, extra", [
    (SoftmaxClassifier, {}),
    (ConfidentClassifier, {"noise_dim": 8, "generator_hidden": (16,), "critic_hidden": (16,)}),
])
def test_bf16_baselines_give_working_models(cls, extra, digits_split):
    X, y, X_te, y_te = digits_split
    params = dict(max_epochs=15, batch_size=32, lr=3e-3, random_state=0, **extra)
    clf = cls(precision="bf16", **params).fit(X, y)
    proba = _check_outputs(clf, X_te)
    assert clf.score(X_te, y_te) > 0.6
    ref = cls(**params).fit(X, y)
    assert not np.array_equal(proba, ref.predict_proba(X_te))


# ----------------------------------------------------------------------
# compile
# ----------------------------------------------------------------------
def test_compiled_fit_works_saves_plain_weights_and_round_trips(tmp_path):
    X, y = make_blobs(n_samples=240, centers=[[-4, 0], [4, 0], [0, 5]], random_state=0)
    # no validation split, no far field: fewer graphs to compile (about 50 s of inductor warm-up on a cold cache, 10 s warm)
    clf = GANShieldedOvAClassifier(compile=True, max_epochs=4, batch_size=32, lr=1e-2, backbone_kwargs={"hidden": (16,)},
                                   generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, validation_fraction=0.0,
                                   far_field="off", random_state=0).fit(X, y)
    net = clf.shielding_net_
    # compiled in place: same module objects and classes, plain state_dict keys; the critic stays eager
    assert net.module_._compiled_call_impl is not None and net.generator_._compiled_call_impl is not None
    assert net.critic_._compiled_call_impl is None
    assert type(net.module_).__name__ == "MLP"
    assert not any("_orig_mod" in k for m in (net.module_, net.generator_, net.critic_) for k in m.state_dict())
    assert clf.score(X, y) > 0.9
    proba = _check_outputs(clf, X)

    save_model(clf, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.compile is True and loaded.shielding_net_.module_._compiled_call_impl is not None
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)

    unpickled = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(unpickled.predict_proba(X), proba)


def test_compile_is_not_part_of_the_checkpoint_fingerprint(tmp_path, digits200):
    X, y = digits200
    a = GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **SMALL)
    b = GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), compile=True, **SMALL)
    c = GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), precision="bf16", **SMALL)
    y_idx = np.searchsorted(np.unique(y), y)
    fp = [e._checkpoint_paths(X.astype(np.float32), y_idx)["fingerprint"] for e in (a, b, c)]
    assert fp[0] == fp[1] and fp[0] != fp[2]


# ----------------------------------------------------------------------
# float16 with gradient scaling
# ----------------------------------------------------------------------
def test_gradient_penalty_with_a_scaler_equals_the_unscaled_penalty():
    torch.manual_seed(0)
    critic_net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))

    def critic(z, y):
        return critic_net(z)

    z_real, z_fake, y = torch.randn(16, 3), torch.randn(16, 3), torch.ones(16, 1)
    plain = gradient_penalty(critic, z_real, z_fake, y, generator=torch.Generator().manual_seed(1))
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**12)
    scaled = gradient_penalty(critic, z_real, z_fake, y, generator=torch.Generator().manual_seed(1), scaler=scaler)
    torch.testing.assert_close(scaled, plain, rtol=1e-5, atol=1e-6)
    assert scaled.requires_grad


@pytest.fixture
def allow_16_mixed_on_cpu(monkeypatch):
    """Lift the CUDA-only check, to run the float16 + GradScaler code path on the CPU."""
    monkeypatch.setattr(gan_ova._base, "check_precision", lambda precision, device: None)


@pytest.mark.usefixtures("allow_16_mixed_on_cpu")
def test_16_mixed_scales_every_optimizer_and_checkpoints_the_scales(tmp_path, digits_split):
    X, y, X_te, _ = digits_split
    clf = GANShieldedOvAClassifier(**{**SMALL, "max_epochs": 1, "cae_max_epochs": 1}, precision="16-mixed",
                                   checkpoint_dir=str(tmp_path / "ck")).fit(X, y)
    _check_outputs(clf, X_te)
    scalers = clf.shielding_net_.grad_scalers_
    assert sorted(scalers) == ["critic_optimizer", "generator_optimizer", "optimizer"]
    assert sorted(clf.autoencoder_.grad_scalers_) == ["optimizer"]
    # every scaler stepped: growth trackers count successful steps since the last change of scale
    n_batches = len(clf.shielding_net_.history[-1, "batches"])
    assert scalers["critic_optimizer"].state_dict()["_growth_tracker"] > 0
    assert all(s.get_scale() <= 2.0**16 for s in scalers.values())
    state = load_training_state(tmp_path / "ck" / "stage2.pt")
    assert {k: v["scale"] for k, v in state["grad_scalers"].items()} == {k: s.get_scale() for k, s in scalers.items()}
    assert n_batches > 0


@pytest.mark.usefixtures("allow_16_mixed_on_cpu")
@pytest.mark.parametrize("cls, extra", [
    (SoftmaxClassifier, {}),
    (ConfidentClassifier, {"noise_dim": 8, "generator_hidden": (16,), "critic_hidden": (16,)}),
])
def test_16_mixed_baselines_scale_their_optimizers(cls, extra, digits_split):
    X, y, X_te, _ = digits_split
    clf = cls(precision="16-mixed", max_epochs=2, batch_size=32, random_state=0, **extra).fit(X, y)
    _check_outputs(clf, X_te)
    scalers = clf.net_.grad_scalers_
    assert sorted(scalers) == sorted(clf.net_._optimizers)
    assert all(s.state_dict()["_growth_tracker"] > 0 or s.get_scale() < 2.0**16 for s in scalers.values())


@pytest.mark.usefixtures("allow_16_mixed_on_cpu")
def test_16_mixed_resume_after_crash_matches_uninterrupted(tmp_path, digits_split, monkeypatch):
    """The loss scales are checkpointed: a resumed fit scales, skips and steps as an uninterrupted one."""
    X, y, X_te, _ = digits_split
    cfg = {**SMALL, "max_epochs": 3, "cae_max_epochs": 1, "n_critic": 2, "n_classifier_steps": 2,
           "precision": "16-mixed"}
    reference = GANShieldedOvAClassifier(**cfg).fit(X, y)
    original, calls = ShieldingNet.train_step, {"n": 0}

    def crashing_step(self, batch, **kw):
        calls["n"] += 1
        if calls["n"] > 5:  # 3 batches per epoch: crash during epoch 2, after the epoch-1 checkpoint
            raise RuntimeError("simulated crash")
        return original(self, batch, **kw)

    with monkeypatch.context() as m:
        m.setattr(ShieldingNet, "train_step", crashing_step)
        with pytest.raises(RuntimeError, match="simulated crash"):
            GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **cfg).fit(X, y)
    resumed = GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **cfg).fit(X, y)
    np.testing.assert_array_equal(resumed.predict_proba(X_te), reference.predict_proba(X_te))
    assert {k: s.get_scale() for k, s in resumed.shielding_net_.grad_scalers_.items()} == {
        k: s.get_scale() for k, s in reference.shielding_net_.grad_scalers_.items()}


def test_16_mixed_model_loads_on_the_cpu_as_32(tmp_path, digits_split, fp32_model):
    _, _, X_te, _ = digits_split
    save_model(fp32_model, tmp_path / "m")
    # a config saved by a 16-mixed fit on a GPU differs only in the precision parameter (and device)

    cfg_path = tmp_path / "m" / CONFIG_NAME
    cfg = json.loads(cfg_path.read_text())
    cfg["params"]["precision"] = "16-mixed"
    cfg_path.write_text(json.dumps(cfg))
    with pytest.warns(UserWarning, match=r"precision: the model was fitted with precision='16-mixed'.*predicts with "
                                         r"precision='32'"):
        loaded = load_model(tmp_path / "m")
    assert loaded.precision == "32"
    np.testing.assert_array_equal(loaded.predict_proba(X_te), fp32_model.predict_proba(X_te))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("precision", ["16-mixed", "bf16"])
def test_mixed_precision_fit_on_cuda(precision, digits_split):
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("GPU without bfloat16")
    X, y, X_te, y_te = digits_split
    clf = GANShieldedOvAClassifier(**SMALL, precision=precision, device="cuda").fit(X, y)
    _check_outputs(clf, X_te)
    assert clf.score(X_te, y_te) > 0.6
    if precision == "16-mixed":
        assert all(s.is_enabled() for s in clf.shielding_net_.grad_scalers_.values())


# ----------------------------------------------------------------------
# streaming Datasets (gan_ova._streaming) run under the same precision
# ----------------------------------------------------------------------
class _Items(torch.utils.data.Dataset):
    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return torch.from_numpy(self.X[i]), int(self.y[i])


def test_bf16_fit_from_a_dataset_equals_the_array_fit(digits_split, bf16_model):
    X, y, X_te, _ = digits_split
    streamed = GANShieldedOvAClassifier(**SMALL, precision="bf16").fit(_Items(X, y))
    np.testing.assert_array_equal(streamed.latent_mean_, bf16_model.latent_mean_)  # codes encoded under bf16 too
    np.testing.assert_array_equal(streamed.predict_proba(_Items(X_te, np.zeros(len(X_te)))),
                                  bf16_model.predict_proba(X_te))
