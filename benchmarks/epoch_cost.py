"""Seconds per training epoch on a benchmark protocol, and what a named budget then costs.

Fits UQGAN for one autoencoder (stage-1) epoch and one stage-2 epoch, and
(``--baseline``) a max-softmax net for one epoch, at the batch size of the chosen
budget, on the protocol's full training split (or ``--n-train`` images). Each
epoch's duration is read from the fitted nets' skorch history (training plus the
validation pass). Then prints the projected fit time of every method under
that budget: UQGAN ``cae_max_epochs * stage-1 + max_epochs * stage-2``, a
baseline ``max_epochs * epoch`` (the deep ensemble 5 times that; MC dropout and
the Confident Classifier are not projected: their epochs cost more).

Usage (set the thread count you want to project for)::

    OMP_NUM_THREADS=2 python benchmarks/epoch_cost.py --dataset fashion_mnist --budget standard --baseline
    OMP_NUM_THREADS=1 python benchmarks/epoch_cost.py                      # digits, quick: seconds

Never used as a CI gate.
"""

import argparse
import time

import torch

from gan_ova.baselines import SoftmaxClassifier
from gan_ova.benchmark import BUDGETS, load_protocol
from gan_ova.estimator import GANShieldedOvAClassifier


def _epoch_seconds(net):
    return [round(float(row["dur"]), 1) for row in net.history]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="digits", choices=["digits", "fashion_mnist", "mnist"])
    p.add_argument("--budget", default="quick", choices=["quick", "standard", "paper"])
    p.add_argument("--root", default=None, help="data root (default: the Debian package location)")
    p.add_argument("--n-train", type=int, default=None, help="training images (default: all of classes 0-4)")
    p.add_argument("--baseline", action="store_true", help="also time one max-softmax epoch")
    args = p.parse_args(argv)

    data = load_protocol(args.dataset, "0-4", root=args.root, n_train=args.n_train)
    table = BUDGETS[(args.dataset, args.budget)]
    bs = table["uqgan"]["batch_size"]
    X, y = data["X_train"], data["y_train"]
    print(f"{args.dataset} 0-4: {len(X)} training images, batch {bs}, torch threads {torch.get_num_threads()}", flush=True)

    t0 = time.perf_counter()
    est = GANShieldedOvAClassifier(cae_max_epochs=1, max_epochs=1, batch_size=bs, random_state=0, verbose=0).fit(X, y)
    total = time.perf_counter() - t0
    (s1,), (s2,) = _epoch_seconds(est.autoencoder_), _epoch_seconds(est.shielding_net_)
    print(f"UQGAN stage-1 (autoencoder) epoch: {s1:.1f} s")
    print(f"UQGAN stage-2 epoch             : {s2:.1f} s   (whole 1+1-epoch fit {total:.1f} s)")
    u = table["uqgan"]
    print(
        f"budget {args.budget!r}: UQGAN {u['cae_max_epochs']} x {s1:.1f} + {u['max_epochs']} x {s2:.1f} s "
        f"= {(u['cae_max_epochs'] * s1 + u['max_epochs'] * s2) / 60:.1f} min per fit (uqgan_mc: about the same)"
    )
    if args.baseline:
        b = table["*"]
        base = SoftmaxClassifier(max_epochs=1, batch_size=b["batch_size"], random_state=0, verbose=0).fit(X, y)
        (sb,) = _epoch_seconds(base.net_)
        print(f"max-softmax epoch               : {sb:.1f} s")
        print(
            f"budget {args.budget!r}: softmax-type baseline {b['max_epochs']} x {sb:.1f} s = {b['max_epochs'] * sb / 60:.1f} min "
            f"per fit; deep ensemble (5 members) {5 * b['max_epochs'] * sb / 60:.1f} min"
        )


if __name__ == "__main__":
    main()
