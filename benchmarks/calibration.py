"""What post-hoc calibration does to UQGAN, three ways, from one fit per seed.

For each seed, fit ``GANShieldedOvAClassifier`` (uncalibrated) on a benchmark protocol
(``gan_ova.benchmark``: same data, OoD sets and budgets as ``gan-ova benchmark``), then
compare on the test split and OoD sets:

* ``none`` -- no calibration (the ``uqgan`` row of the benchmark);
* ``class_T`` -- a temperature on the class scores ``log(pi_k q_k)``, i.e. on ``P(k|x)``
  only (what ``calibration="temperature"`` does: ``P_in`` and the epistemic score are
  unchanged, the aleatoric score is the entropy of the calibrated ``P(k|x)``);
* ``ova_T`` -- a temperature on the OvA logits, ``p_k = sigmoid(f_k(x) / T)``, which also
  changes ``q_k``, ``P_in`` and therefore the epistemic (OoD) score.

Both temperatures are fitted the same way: minimum NLL of ``P(k|x)`` on the validation
split that ``fit`` held out (a bounded search over ``log T``). Reported (x100): validation
NLL, ECE, FP-detection AUROC, pooled and near OoD AUROC, and the fitted T.

Usage::

    python benchmarks/calibration.py                       # digits, quick budget, seeds 0,1,2
    python benchmarks/calibration.py --dataset fashion_mnist --n-train 10000 --seeds 0
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit

from gan_ova import GANShieldedOvAClassifier
from gan_ova.benchmark import NEAR_OOD, _budget, load_protocol
from gan_ova.calibration import TEMPERATURE_BOUNDS, fit_temperature, has_no_errors
from gan_ova.metrics import expected_calibration_error, fp_detection_auroc, ood_auroc
from gan_ova.uncertainty import class_probabilities, ova_uncertainty


def _logits(est, X):
    return est.shielding_net_.ova_logits(est._predict_inputs(X))


def _nll(proba, y):
    return float(-np.mean(np.log(np.maximum(proba[np.arange(len(y)), y], 1e-300))))


def _fit_ova_temperature(logits, y, prior):
    if has_no_errors(class_probabilities(expit(logits), prior), y):
        return 1.0  # as fit_temperature: no validation errors, no minimum
    lo, hi = (np.log(b) for b in TEMPERATURE_BOUNDS)
    res = minimize_scalar(
        lambda lt: _nll(class_probabilities(expit(logits / np.exp(lt)), prior), y),
        bounds=(lo, hi), method="bounded", options={"xatol": 1e-4},
    )
    return float(np.exp(res.x))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="digits")
    ap.add_argument("--budget", default="quick")
    ap.add_argument("--n-train", type=int, default=None)
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args(argv)
    data = load_protocol(args.dataset, "0-4", n_train=args.n_train)
    params = _budget(args.dataset, args.budget, "uqgan")
    rows = {v: [] for v in ("none", "class_T", "ova_T")}
    for seed in (int(s) for s in args.seeds.split(",")):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = GANShieldedOvAClassifier(random_state=seed, **params).fit(data["X_train"], data["y_train"])
        # the validation split fit held out: the same draws as in fit
        rng = np.random.RandomState(seed)
        split_seed = int(rng.randint(0, 2**31 - 1, size=3)[0])
        y_idx = np.searchsorted(est.classes_, data["y_train"])
        va = est._split(y_idx, split_seed)[1]
        prior = est.class_prior_
        lv = _logits(est, data["X_train"][va])
        lt = _logits(est, data["X_test"])
        lo = {k: _logits(est, v) for k, v in data["ood"].items()}
        y_te = np.searchsorted(est.classes_, data["y_test"])
        t_class = fit_temperature(class_probabilities(expit(lv), prior), y_idx[va])
        t_ova = _fit_ova_temperature(lv, y_idx[va], prior)
        variants = {"none": (1.0, 1.0), "class_T": (1.0, t_class), "ova_T": (t_ova, 1.0)}
        for name, (t_logit, t_cls) in variants.items():
            def unc(logits):
                return ova_uncertainty(expit(logits / t_logit), prior, temperature=t_cls)

            val, te = unc(lv), unc(lt)
            pred = te["proba"].argmax(axis=1)
            e_out = {k: unc(v)["epistemic"] for k, v in lo.items()}
            rows[name].append({
                "T": t_logit * t_cls,
                "val_nll": _nll(val["proba"], y_idx[va]),
                "acc": float(np.mean(pred == y_te)),
                "ece": expected_calibration_error(y_te, te["proba"]),
                "fp_auroc": fp_detection_auroc(y_te, pred, te["aleatoric"]),
                "ood_pooled": ood_auroc(te["epistemic"], np.concatenate(list(e_out.values()))),
                "ood_near": ood_auroc(te["epistemic"], e_out[NEAR_OOD]),
            })
        n_err = int(np.sum(class_probabilities(expit(lv), prior).argmax(axis=1) != y_idx[va]))
        print(f"seed {seed}: T_class {t_class:.3f}  T_ova {t_ova:.3f}  ({n_err} of {len(va)} validation examples "
              f"misclassified; {time.perf_counter() - t0:.0f}s)", flush=True)
        for name in rows:
            r = rows[name][-1]
            print(f"  {name:<8}" + "  ".join(f"{k} {v:.4f}" for k, v in r.items()), flush=True)
    keys = ["T", "val_nll", "acc", "ece", "fp_auroc", "ood_pooled", "ood_near"]
    print(f"\n{args.dataset}, budget {args.budget}, n_train {len(data['X_train'])}, seeds {args.seeds} "
          "(x100 except T and val NLL; mean +- std over seeds)")
    print("| variant | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, recs in rows.items():
        cells = []
        for k in keys:
            vals = np.array([r[k] for r in recs]) * (1 if k in ("T", "val_nll") else 100)
            cells.append(f"{vals.mean():.3f} ± {vals.std():.3f}" if k in ("T", "val_nll")
                         else f"{vals.mean():.2f} ± {vals.std():.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
