"""Choose the default grey-image backbone on evidence: our LeNet (20/50 conv, 500 FC) vs LeNet-5 (6/16, 120/84).

Both backbones run the same protocol, budget and seeds, for UQGAN and for the
max-softmax baseline (which shows what the backbone does without the GAN).
Prints accuracy, pooled and near OoD AUROC, FP AUROC, ECE and fit seconds
per backbone, measured in one run (fit seconds are comparable within the
run only). ``python benchmarks/step_cost.py --backbone lenet5`` gives the
per-update cost of each backbone.

Usage::

    python benchmarks/backbone_choice.py                                  # digits, quick budget, 3 seeds
    python benchmarks/backbone_choice.py --dataset fashion_mnist --n-train 10000
"""
import argparse
import json
import os

import numpy as np

from gan_ova.benchmark import NEAR_OOD, run_benchmark

BACKBONES = ("lenet", "lenet5")
METHODS = ("uqgan", "max_softmax")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="digits")
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--budget", default="quick")
    p.add_argument("--output", default="outputs/backbone_choice")
    args = p.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for backbone in BACKBONES:
        res = run_benchmark(
            args.dataset, methods=list(METHODS), seeds=seeds, budget=args.budget, n_train=args.n_train,
            overrides={m: {"backbone": backbone} for m in METHODS},
            output=os.path.join(args.output, f"{args.dataset}_{backbone}"), verbose=0,
        )
        for m in METHODS:
            runs = res["runs"][m]

            def stat(get):
                v = np.array([get(r) for r in runs], dtype=float)
                return f"{v.mean():6.2f} ± {v.std():4.2f}"

            rows.append((backbone, m,
                         stat(lambda r: 100 * r["accuracy"]),
                         stat(lambda r: 100 * r["ood"]["pooled"]["auroc"]),
                         stat(lambda r: 100 * r["ood"][NEAR_OOD]["auroc"]),
                         stat(lambda r: 100 * r["fp_auroc"]),
                         stat(lambda r: 100 * r["ece"]),
                         stat(lambda r: r["fit_seconds"])))
    head = ("backbone", "method", "accuracy", "OoD pooled", "near OoD", "FP AUROC", "ECE", "fit s")
    print(f"{args.dataset}, budget {args.budget}, seeds {seeds} (x100, mean ± std)")
    print(" | ".join(f"{h:>15s}" for h in head))
    for r in rows:
        print(" | ".join(f"{c:>15s}" for c in r))
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, f"{args.dataset}_table.json"), "w") as f:
        json.dump({"header": head, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
