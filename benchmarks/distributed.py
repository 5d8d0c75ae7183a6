"""One process vs a data-parallel fit over 2 processes (torchrun, gloo on the CPU), same global batch.

Fits GANShieldedOvAClassifier on scikit-learn's digits 0-4 (701 training
images, 200 held-out test images) and scores accuracy and OoD AUROC against
digits 5-9, three ways, measured in the same run:

* 1 process, 1 torch thread, ``batch_size=B`` (the reference of the ratios);
* 1 process, 2 torch threads, ``batch_size=B``;
* 2 processes (``torchrun --nproc-per-node 2``), 1 thread each,
  ``batch_size=B/2`` per process: the same global batch ``B``.

Usage::

    python benchmarks/distributed.py                       # 20 cAE + 15 stage-2 epochs, B=64, seed 0
    python benchmarks/distributed.py --seeds 0 1 2 3 4     # several seeds: the spread of each way
    python benchmarks/distributed.py --tiny --seeds 0 1 2 3 4   # the fit of tests/test_distributed.py

Wall time is the ``fit`` call alone (the slowest rank for the 2-process
run), not the interpreter start. Run it with ``PYTHONPATH`` pointing at the
checkout to measure. Never used as a CI gate.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
LAUNCH_KEYS = ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def worker(out, params, threads):
    """Fit on digits 0-4 and write this rank's wall time, accuracy and OoD AUROC to ``out/rank{RANK}.json``."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    from gan_ova import GANShieldedOvAClassifier
    from gan_ova.datasets import load_digits_images
    from gan_ova.metrics import ood_auroc

    X, y = load_digits_images()
    Xi, yi, Xo = X[y < 5], y[y < 5], X[y >= 5]
    perm = np.random.RandomState(0).permutation(len(Xi))
    te, tr = perm[:200], perm[200:]
    t0 = time.perf_counter()
    clf = GANShieldedOvAClassifier(**params).fit(Xi[tr], yi[tr])
    wall = time.perf_counter() - t0
    u_in, u_out = clf.predict_uncertainty(Xi[te]), clf.predict_uncertainty(Xo)
    result = {
        "wall": wall,
        "accuracy": float(np.mean(clf.predict(Xi[te]) == yi[te])),
        "auroc": float(ood_auroc(u_in.epistemic, u_out.epistemic)),
        "world_size": clf.distributed_world_size_,
    }
    Path(out, f"rank{clf.distributed_rank_}.json").write_text(json.dumps(result))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(params, nproc, threads):
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH_KEYS}
    env["OMP_NUM_THREADS"] = str(threads)
    with tempfile.TemporaryDirectory() as out:
        args = [str(HERE), "--worker", out, json.dumps(params), str(threads)]
        if nproc > 1:
            args = ["-m", "torch.distributed.run", "--nproc-per-node", str(nproc), "--master-addr", "127.0.0.1",
                    "--master-port", str(_free_port())] + args
        proc = subprocess.run([sys.executable] + args, env=env, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit(proc.stdout[-2000:] + proc.stderr[-4000:])
        ranks = [json.loads(Path(out, f"rank{r}.json").read_text()) for r in range(nproc)]
    return {"wall": max(r["wall"] for r in ranks), "accuracy": ranks[0]["accuracy"], "auroc": ranks[0]["auroc"]}


def main(argv=None):
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--worker":
        return worker(sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--global-batch", type=int, default=64)
    p.add_argument("--cae-epochs", type=int, default=20)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--tiny", action="store_true",
                   help="the fit of tests/test_distributed.py (small GAN, 2 cAE + 3 stage-2 epochs)")
    p.add_argument("--skip-two-threads", action="store_true")
    args = p.parse_args(argv)
    base = dict(cae_max_epochs=args.cae_epochs, max_epochs=args.epochs)
    if args.tiny:
        base = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, latent_dim=8, cae_max_epochs=2,
                    max_epochs=3, calibration="temperature")  # calibration leaves accuracy and AUROC unchanged
    B = args.global_batch
    ways = [("1 process, 1 thread", 1, 1, B)]
    if not args.skip_two_threads:
        ways.append(("1 process, 2 threads", 1, 2, B))
    ways.append((f"2 processes x 1 thread, batch {B // 2} each", 2, 1, B // 2))
    print(f"digits 0-4 (701 train / 200 test, OoD: digits 5-9), global batch {B}, {base}")
    print(f"{'seed':>4}  {'way':<38} {'wall s':>7} {'x ref':>6} {'accuracy':>9} {'OoD AUROC':>10}")
    rows = {}
    for seed in args.seeds:
        ref = None
        for name, nproc, threads, bs in ways:
            r = run(dict(base, batch_size=bs, random_state=seed), nproc, threads)
            ref = ref or r
            rows.setdefault(name, []).append(r)
            print(f"{seed:>4}  {name:<38} {r['wall']:7.1f} {r['wall'] / ref['wall']:6.2f} {r['accuracy']:9.3f} "
                  f"{r['auroc']:10.3f}", flush=True)
    if len(args.seeds) > 1:
        print("\nover seeds: mean (min-max)")
        for name, rs in rows.items():
            cols = []
            for key in ("wall", "accuracy", "auroc"):
                v = [r[key] for r in rs]
                cols.append(f"{key} {sum(v) / len(v):.3f} ({min(v):.3f}-{max(v):.3f})")
            print(f"  {name:<38} " + "  ".join(cols))


if __name__ == "__main__":
    main()
