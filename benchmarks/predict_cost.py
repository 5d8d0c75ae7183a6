"""Inference cost: ``predict_uncertainty`` against the bare forward pass of its own backbone.

Fits a small ``GANShieldedOvAClassifier`` (the numbers of a fit do not matter
here, only its networks' shapes), then times, interleaved in one run so that a
busy machine slows every row alike (median over ``--repeats``):

* ``forward``: the bare backbone on the images (``module(x)`` in eval mode,
  no gradients, the same batch size as ``predict_uncertainty``), the floor
  any uncertainty method pays;
* ``predict_uncertainty``: class probabilities, aleatoric and epistemic
  uncertainty from one pass; the ratio ``forward / predict_uncertainty``
  is its speed relative to that floor (1.0 = no overhead);
* with ``--mc``: the MC-dropout variant (``mc_dropout=0.5``, ``mc_samples``
  passes) against ``mc_samples`` times the single pass;
* with ``--pools``: the same forward pass with ``torch.nn.MaxPool2d(2)`` in
  place of the package's :class:`~gan_ova.nets.MaxPool2x2` (identical
  outputs), and one training update of each, to show what the faster pooling
  buys.

Usage::

    OMP_NUM_THREADS=2 python benchmarks/predict_cost.py                      # Fashion-MNIST test images
    OMP_NUM_THREADS=2 python benchmarks/predict_cost.py --mc --pools
    OMP_NUM_THREADS=1 python benchmarks/predict_cost.py --dataset digits

Never used as a CI gate.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import load_digits_images, load_fashion_mnist
from gan_ova.nets import MaxPool2x2


def _set_pools(module, fast):
    """Swap every 2x2 max-pooling of ``module`` for the fast one (``fast``) or torch's own."""
    for parent in module.modules():
        for name, child in parent.named_children():
            if isinstance(child, torch.nn.MaxPool2d) and child.kernel_size in (2, (2, 2)):
                setattr(parent, name, MaxPool2x2() if fast else torch.nn.MaxPool2d(2))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", choices=["fashion", "digits"], default="fashion")
    p.add_argument("--n", type=int, default=5000, help="images per timed call")
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--mc", action="store_true", help="also time the MC-dropout variant")
    p.add_argument("--mc-samples", type=int, default=50)
    p.add_argument("--pools", action="store_true", help="also time torch's MaxPool2d in the same run")
    args = p.parse_args(argv)

    if args.dataset == "digits":
        X, y = load_digits_images()
    else:
        X, y = load_fashion_mnist(train=False)
    train = y < 5
    Xtr, ytr = X[train][:2000], y[train][:2000]
    Xte = np.resize(X, (args.n,) + X.shape[1:])  # the whole set, repeated if --n is larger
    kw = {"cae_max_epochs": 1, "max_epochs": 1, "random_state": 0}
    clf = GANShieldedOvAClassifier(**kw).fit(Xtr, ytr)
    net = clf.shielding_net_
    module = net.module_
    bs = max(net.batch_size, 256)  # the batch of ova_logits
    xt = torch.as_tensor(Xte)

    def forward():
        module.eval()
        with torch.no_grad():
            for i in range(0, len(xt), bs):
                module(xt[i : i + bs])

    rows = {"forward": forward, "predict_uncertainty": lambda: clf.predict_uncertainty(Xte)}
    if args.pools:
        rows["forward, torch MaxPool2d"] = lambda: (_set_pools(module, False), forward(), _set_pools(module, True))
        xb, yb = torch.as_tensor(Xtr[: net.batch_size]), torch.as_tensor(ytr[: net.batch_size])
        opt = torch.optim.SGD(module.parameters(), lr=0.0)  # lr 0: the networks stay as fitted

        def update(fast):
            _set_pools(module, fast)
            module.train()
            opt.zero_grad()
            torch.nn.functional.cross_entropy(module(xb), yb).backward()
            opt.step()
            _set_pools(module, True)

        rows[f"training update (batch {net.batch_size})"] = lambda: update(True)
        rows[f"training update (batch {net.batch_size}), torch MaxPool2d"] = lambda: update(False)
    if args.mc:
        mc = GANShieldedOvAClassifier(**kw, mc_dropout=0.5, mc_samples=args.mc_samples).fit(Xtr, ytr)
        x_mc = Xte[: max(args.n // args.mc_samples, 50)]
        mc_row, one_row = f"MC dropout, {len(x_mc)} images", f"single pass, {len(x_mc)} images"
        rows[mc_row] = lambda: mc.predict_uncertainty(x_mc)
        rows[one_row] = lambda: clf.predict_uncertainty(x_mc)

    times = {k: [] for k in rows}
    for fn in rows.values():  # warm-up
        fn()
    for _ in range(args.repeats):
        for k, fn in rows.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}

    print(f"{args.dataset}: {len(Xte)} images of shape {X.shape[1:]}, backbone {type(module).__name__}, "
          f"batch {bs}, torch threads {torch.get_num_threads()}, median of {args.repeats}")
    for k, v in med.items():
        print(f"  {k:<52s} {1e3 * v:9.1f} ms")
    print(f"predict_uncertainty speed relative to the bare forward pass: "
          f"{med['forward'] / med['predict_uncertainty']:.2f}x")
    if args.pools:
        print(f"forward pass, torch MaxPool2d / package pooling: {med['forward, torch MaxPool2d'] / med['forward']:.2f}x")
        up = [k for k in med if k.startswith("training update")]
        print(f"training update, torch MaxPool2d / package pooling: {med[up[1]] / med[up[0]]:.2f}x")
    if args.mc:
        print(f"MC dropout ({args.mc_samples} passes) / (mc_samples x single pass): "
              f"{med[mc_row] / (args.mc_samples * med[one_row]):.2f}")


if __name__ == "__main__":
    main()
