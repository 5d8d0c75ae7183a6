"""Equal-time comparison: UQGAN at the largest budget whose fit takes no longer than the deep ensemble's.

The trade-off a user makes: for the same training time, is UQGAN's
uncertainty better than a 5-member deep ensemble's? This script fits the
ensemble at the benchmark budget (3 seeds), then UQGAN at a ladder of smaller
budgets (autoencoder epochs, stage-2 epochs), all in one run and on the same
machine, and picks -- by fit time alone, never by a test metric -- the largest
UQGAN budget whose mean fit time is at most the ensemble's. It prints every
row and the chosen one.

Usage::

    python benchmarks/equal_time.py                      # digits, quick budget, seeds 0-2
    python benchmarks/equal_time.py --dataset fashion_mnist --budget standard

Fit times depend on the machine and its load: compare rows of one run only.
"""
import argparse

import numpy as np

from gan_ova.benchmark import BUDGETS, NEAR_OOD, run_benchmark

# fractions of the UQGAN budget's epochs; fine steps near the ensemble's time on digits (where a
# UQGAN epoch is cheap), so that the chosen rung sits close to the ensemble's time
LADDER = (1.0, 0.75, 0.6, 0.5, 0.45, 0.4, 0.33, 0.2)


def _row(name, runs):
    v = lambda get: np.array([get(r) for r in runs], dtype=float)  # noqa: E731
    fit = v(lambda r: r["fit_seconds"])
    return {
        "name": name,
        "fit": fit.mean(),
        "acc": 100 * v(lambda r: r["accuracy"]),
        "ood": 100 * v(lambda r: r["ood"]["pooled"]["auroc"]),
        "near": 100 * v(lambda r: r["ood"][NEAR_OOD]["auroc"]),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="digits")
    p.add_argument("--budget", default="quick")
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--ladder", default=",".join(str(f) for f in LADDER),
                   help="comma-separated fractions of the UQGAN budget's epochs to fit (largest first)")
    args = p.parse_args(argv)
    ladder = sorted({float(f) for f in args.ladder.split(",")}, reverse=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    name = args.dataset.replace("-", "_")
    base = BUDGETS[(name, args.budget)]["uqgan"]
    common = dict(seeds=seeds, budget=args.budget, n_train=args.n_train, verbose=0)
    rows = [_row("ensemble (5 members)", run_benchmark(name, methods=["ensemble"], **common)["runs"]["ensemble"])]
    for frac in ladder:
        cae = max(1, int(round(base["cae_max_epochs"] * frac)))
        stage2 = max(1, int(round(base["max_epochs"] * frac)))
        res = run_benchmark(name, methods=["uqgan"], overrides={"uqgan": {"cae_max_epochs": cae, "max_epochs": stage2}},
                            **common)
        rows.append(_row(f"uqgan {cae}+{stage2} epochs", res["runs"]["uqgan"]))
    budget_s = rows[0]["fit"]
    fitting = [r for r in rows[1:] if r["fit"] <= budget_s]
    chosen = fitting[0]["name"] if fitting else None
    print(f"{name}, budget {args.budget}, seeds {seeds}; x100, mean ± std; fit s = mean seconds per fit in this run")
    print(f"{'':28s} {'fit s':>7s}  {'accuracy':>14s}  {'OoD pooled':>14s}  {'near OoD':>14s}")
    for r in rows:
        mark = "  <- chosen (largest UQGAN budget within the ensemble's time)" if r["name"] == chosen else ""
        cells = "  ".join(f"{r[k].mean():6.2f} ± {r[k].std():5.2f}" for k in ("acc", "ood", "near"))
        print(f"{r['name']:28s} {r['fit']:7.1f}  {cells}{mark}")
    if chosen is None:
        print("no UQGAN budget of the ladder fits in the ensemble's time")


if __name__ == "__main__":
    main()
