"""Seconds per training epoch on a benchmark protocol, and what a named budget then costs.

Fits UQGAN for one autoencoder (stage-1) epoch and one stage-2 epoch, and
(``--baseline``) a max-softmax net for one epoch, at the batch size of the chosen
budget, on the protocol's full training split (or ``--n-train`` images). Each
epoch's duration is read from the fitted nets' skorch history (training plus the
validation pass). Then prints the projected fit time of every method under
that budget: UQGAN ``cae_max_epochs * stage-1 + max_epochs * stage-2``, a
baseline ``max_epochs * epoch`` (the deep ensemble 5 times that; MC dropout and
the Confident Classifier are not projected: their epochs cost more).
``--budget default`` projects the estimators' default settings instead
(``GANShieldedOvAClassifier()``: 200 autoencoder + 20 stage-2 epochs, batch 256,
the reference budget). Each line also gives the CPU seconds of the stage
(``time.process_time``, stage 1 including the encoding of the training set):
on a machine shared with other jobs, wall durations are inflated but CPU
seconds are not, and with ``OMP_NUM_THREADS=1`` they equal the wall time on an
idle core.

Usage (set the thread count you want to project for)::

    OMP_NUM_THREADS=2 python benchmarks/epoch_cost.py --dataset fashion_mnist --budget standard --baseline
    OMP_NUM_THREADS=1 python benchmarks/epoch_cost.py                      # digits, quick: seconds
    OMP_NUM_THREADS=1 python benchmarks/epoch_cost.py --dataset fashion_mnist --budget default

Never used as a CI gate.
"""

import argparse
import time

import torch

from gan_ova.baselines import SoftmaxClassifier
from gan_ova.benchmark import BUDGETS, load_protocol
from gan_ova.estimator import GANShieldedOvAClassifier

from _timing import cpu_timed  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def _epoch_seconds(net):
    return [round(float(row["dur"]), 1) for row in net.history]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="digits", choices=["digits", "fashion_mnist", "mnist"])
    p.add_argument("--budget", default="quick", choices=["quick", "standard", "paper", "default"])
    p.add_argument("--root", default=None, help="data root (default: the Debian package location)")
    p.add_argument("--n-train", type=int, default=None, help="training images (default: all of classes 0-4)")
    p.add_argument("--baseline", action="store_true", help="also time one max-softmax epoch")
    args = p.parse_args(argv)

    data = load_protocol(args.dataset, "0-4", root=args.root, n_train=args.n_train)
    if args.budget == "default":  # the estimators' own defaults
        uqgan_defaults = GANShieldedOvAClassifier().get_params()
        base_defaults = SoftmaxClassifier().get_params()
        table = {
            "uqgan": {k: uqgan_defaults[k] for k in ("cae_max_epochs", "max_epochs", "batch_size")},
            "*": {k: base_defaults[k] for k in ("max_epochs", "batch_size")},
        }
    else:
        table = BUDGETS[(args.dataset, args.budget)]
    bs = table["uqgan"]["batch_size"]
    X, y = data["X_train"], data["y_train"]
    print(f"{args.dataset} 0-4: {len(X)} training images, batch {bs}, torch threads {torch.get_num_threads()}", flush=True)

    # warm-up: the first fit in a process pays one-time costs (thread pools, kernel selection), about
    # 2 CPU seconds, which would otherwise be counted as part of the first stage-1 epoch
    GANShieldedOvAClassifier(cae_max_epochs=1, max_epochs=1, batch_size=32, random_state=0).fit(X[:80], y[:80])
    cpu = {}
    est = GANShieldedOvAClassifier(cae_max_epochs=1, max_epochs=1, batch_size=bs, random_state=0, verbose=0)
    # CPU seconds per stage: wrap the estimator's (private) stage methods on this instance
    est._fit_autoencoder = cpu_timed(est._fit_autoencoder, cpu, "stage1")
    est._fit_shielding = cpu_timed(est._fit_shielding, cpu, "stage2")
    t0, c0 = time.perf_counter(), time.process_time()
    est.fit(X, y)
    total, total_cpu = time.perf_counter() - t0, time.process_time() - c0
    (s1,), (s2,) = _epoch_seconds(est.autoencoder_), _epoch_seconds(est.shielding_net_)
    print(f"UQGAN stage-1 (autoencoder) epoch: {s1:.1f} s   (CPU {cpu['stage1']:.1f} s)")
    print(
        f"UQGAN stage-2 epoch             : {s2:.1f} s   (CPU {cpu['stage2']:.1f} s; "
        f"whole 1+1-epoch fit {total:.1f} s, CPU {total_cpu:.1f} s)"
    )
    u = table["uqgan"]
    print(
        f"budget {args.budget!r}: UQGAN {u['cae_max_epochs']} x {s1:.1f} + {u['max_epochs']} x {s2:.1f} s "
        f"= {(u['cae_max_epochs'] * s1 + u['max_epochs'] * s2) / 60:.1f} min per fit (uqgan_mc: about the same); "
        f"from CPU seconds: {(u['cae_max_epochs'] * cpu['stage1'] + u['max_epochs'] * cpu['stage2']) / 60:.1f} min"
    )
    if args.baseline:
        b = table["*"]
        c0 = time.process_time()
        base = SoftmaxClassifier(max_epochs=1, batch_size=b["batch_size"], random_state=0, verbose=0).fit(X, y)
        cb = time.process_time() - c0
        (sb,) = _epoch_seconds(base.net_)
        print(f"max-softmax epoch               : {sb:.1f} s   (CPU {cb:.1f} s for the 1-epoch fit)")
        print(
            f"budget {args.budget!r}: softmax-type baseline {b['max_epochs']} x {sb:.1f} s = {b['max_epochs'] * sb / 60:.1f} min "
            f"per fit; deep ensemble (5 members) {5 * b['max_epochs'] * sb / 60:.1f} min; from CPU seconds: "
            f"{b['max_epochs'] * cb / 60:.1f} and {5 * b['max_epochs'] * cb / 60:.1f} min"
        )

if __name__ == "__main__":
    main()
