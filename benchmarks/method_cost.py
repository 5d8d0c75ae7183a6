"""Fit and predict cost of UQGAN and its baselines under a benchmark budget, in CPU seconds.

Fits each method once (``random_state=0``) exactly as ``gan-ova benchmark`` does
(same protocol, same named budget, same constructor arguments), then times
``predict_uncertainty`` on the protocol's in-distribution test images plus all
its OoD sets. Times are CPU seconds (``time.process_time``), which stay
meaningful on a machine shared with other jobs; with ``OMP_NUM_THREADS=1`` they
are also the wall time on one idle core. Prints a table with the ratio to max
softmax.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/method_cost.py                        # digits, quick: ~1 min
    OMP_NUM_THREADS=1 python benchmarks/method_cost.py --dataset fashion_mnist --n-train 2000

Never used as a CI gate.
"""

import argparse
import time

import numpy as np
import torch

from gan_ova.benchmark import METHODS, _budget, load_protocol


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="digits", choices=["digits", "fashion_mnist", "mnist"])
    p.add_argument("--budget", default="quick", choices=["quick", "standard", "paper"])
    p.add_argument("--methods", default="max_softmax,ensemble,uqgan,uqgan_mc", help="comma-separated (default: %(default)s)")
    p.add_argument("--n-train", type=int, default=None, help="stratified subset of the training images (default: all)")
    p.add_argument("--root", default=None, help="data root (default: the Debian package location)")
    args = p.parse_args(argv)

    data = load_protocol(args.dataset, "0-4", root=args.root, n_train=args.n_train)
    X_pred = np.concatenate([data["X_test"], *data["ood"].values()])
    print(
        f"{args.dataset} 0-4, budget {args.budget!r}: {len(data['X_train'])} training images, "
        f"predict on {len(X_pred)} (test + OoD); torch threads {torch.get_num_threads()}; CPU seconds",
        flush=True,
    )
    # warm-up: the first fit in a process pays one-time costs (thread pools, kernel selection), about
    # 2 CPU seconds, which would otherwise inflate the first method's fit (the reference of the ratios)
    warm_cls, warm_fixed = METHODS["max_softmax"]
    warm_cls(**warm_fixed, max_epochs=1, batch_size=32, random_state=0, verbose=0).fit(data["X_train"][:80], data["y_train"][:80])
    print(f"{'method':<12} {'budget':<48} {'fit s':>7} {'predict s':>9} {'fit / softmax':>13} {'predict / softmax':>17}")
    ref = None
    for m in args.methods.split(","):
        cls, fixed = METHODS[m]
        budget = _budget(args.dataset, args.budget, m)
        est = cls(**fixed, **budget, random_state=0, verbose=0)
        t0 = time.process_time()
        est.fit(data["X_train"], data["y_train"])
        fit = time.process_time() - t0
        t0 = time.process_time()
        est.predict_uncertainty(X_pred)
        pred = time.process_time() - t0
        ref = ref or (fit, pred) if m == "max_softmax" else ref
        budget_str = ", ".join(f"{k}={v}" for k, v in budget.items())
        ratios = f"{fit / ref[0]:12.1f}x {pred / ref[1]:16.1f}x" if ref else ""
        print(f"{m:<12} {budget_str:<48} {fit:7.1f} {pred:9.2f} {ratios}", flush=True)


if __name__ == "__main__":
    main()
