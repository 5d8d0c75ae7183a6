"""Far-field check: does the epistemic score rise away from the data in every direction?

For each case (2-D toys, tabular sets) and seed, fit ``GANShieldedOvAClassifier``, take the
95th percentile of the training points' epistemic uncertainty, and report the fraction of
far points that score above it:

* 2-D blobs (centres (-4, 0), (4, 0)) and two moons: 16 points on a circle of radius 30
  around the origin (the data's units);
* breast cancer and wine (standardized with ``StandardScaler``): 200 random unit
  directions at distance ``r * sqrt(n_features)`` from the origin, r = 5, 10, 100.

Also prints the training accuracy. The ``--reference`` flag repeats every fit with the
paper's behaviour (``far_field="off"``) in the same run, for the ratio.

Usage::

    python benchmarks/far_field.py                 # all cases, seeds as in issue 12
    python benchmarks/far_field.py --cases blobs_doctest --seeds 0,1
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine, make_blobs, make_moons
from sklearn.preprocessing import StandardScaler

from gan_ova import GANShieldedOvAClassifier

DOCTEST = dict(
    max_epochs=30, batch_size=32, lambda_reg=8.0, generator_lr=1e-3, critic_lr=1e-3,
    generator_hidden=(128,), critic_hidden=(128,),
)
TABULAR = dict(batch_size=64, max_epochs=30)


def _blobs():
    return make_blobs(n_samples=200, centers=[[-4, 0], [4, 0]], random_state=0)


def _moons():
    X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    return X * 4.0, y  # same scale as the blobs (about 8 units across)


def _tabular(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


CASES = {
    "blobs_doctest": (_blobs, DOCTEST, "circle"),
    "blobs_defaults": (_blobs, {}, "circle"),
    "moons_doctest": (_moons, DOCTEST, "circle"),
    "moons_defaults": (_moons, {}, "circle"),
    "breast_cancer": (lambda: _tabular(load_breast_cancer), TABULAR, "rays"),
    "wine": (lambda: _tabular(load_wine), TABULAR, "rays"),
}


def far_points(kind, n_features, seed=0):
    """Far probe points: {label: array}."""
    if kind == "circle":
        t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        return {"r=30": 30.0 * np.c_[np.cos(t), np.sin(t)]}
    rng = np.random.RandomState(1000 + seed)
    v = rng.normal(size=(200, n_features))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return {f"r={r}": v * r * np.sqrt(n_features) for r in (5, 10, 100)}


def run_case(name, seed, extra=None):
    make, params, kind = CASES[name]
    X, y = make()
    params = dict(params, **(extra or {}))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = GANShieldedOvAClassifier(random_state=seed, **params).fit(X, y)
    fit_s = time.perf_counter() - t0
    thr = np.percentile(clf.predict_uncertainty(X).epistemic, 95)
    out = {"acc": clf.score(X, y), "fit_s": fit_s}
    for label, P in far_points(kind, X.shape[1], seed).items():
        out[label] = float(np.mean(clf.predict_uncertainty(P).epistemic > thr))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--seeds", default=None, help="default: 0-4 for the toys, 0-2 for tabular sets")
    p.add_argument("--reference", action="store_true", help="also fit with far_field='off' (paper behaviour)")
    args = p.parse_args(argv)
    variants = [("new", {})] + ([("off", {"far_field": "off"})] if args.reference else [])
    for name in args.cases.split(","):
        kind = CASES[name][2]
        seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else (
            list(range(5)) if kind == "circle" else [0, 1, 2]
        )
        for tag, extra in variants:
            rows = [run_case(name, s, extra) for s in seeds]
            keys = [k for k in rows[0] if k.startswith("r=")]
            fr = "  ".join(f"{k}: " + "/".join(f"{r[k]:.2f}" for r in rows) for k in keys)
            acc = "/".join(f"{r['acc']:.3f}" for r in rows)
            secs = sum(r["fit_s"] for r in rows) / len(rows)
            worst = min(r[k] for r in rows for k in keys)
            print(f"{name:16s} {tag:3s} seeds {seeds}: {fr}  | min {worst:.2f} | acc {acc} | {secs:.1f} s/fit", flush=True)


if __name__ == "__main__":
    main()
