"""Abstain when unsure: a reject option with thresholds chosen on held-out known digits.

The model knows the digits 0-4; at test time it also meets the unseen digits
5-9. One UQGAN is fitted on 60 % of the known digits; 20 % are held out to
choose the thresholds (:class:`gan_ova.decisions.TunedRejectClassifier`,
``cv="prefit"``), 20 % are the test set. Three rules are compared:

* epistemic uncertainty, keep 95 % of known digits (``coverage=0.95``);
* aleatoric uncertainty, reach 99.5 % accuracy on what is kept
  (``target_accuracy=0.995``);
* both, keep 95 % of known digits.

For each rule it prints the coverage and the accuracy on the kept inputs on
held-out and on test digits 0-4, the share of unseen digits 5-9 rejected, and
the accuracy on what is kept from a stream of the test digits 0-4 mixed with
as many unseen digits (a kept unseen digit is an error). It draws the
accuracy-coverage curves on that stream and the OoD-rejection curves (unseen
digits rejected against known digits kept).

Run::

    python examples/reject_uncertain.py            # ~30 s on one CPU core; figures in outputs/
    python examples/reject_uncertain.py --docs     # the same, figures into docs/_static/
    python examples/reject_uncertain.py --quick    # seconds (CI smoke test)
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split

from gan_ova import GANShieldedOvAClassifier, TunedRejectClassifier
from gan_ova.datasets import load_digits_images, split_classes
from gan_ova.decisions import accuracy_coverage_curve

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="outputs/reject_uncertain", help="folder for the figures")
parser.add_argument("--docs", action="store_true", help="write the figures into docs/_static/ (for the documentation)")
parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
args = parser.parse_args()
quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
out_dir = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docs", "_static")) if args.docs else args.output
os.makedirs(out_dir, exist_ok=True)

X, y = load_digits_images()
X_in, y_in, X_out, _ = split_classes(X, y, "0-4")  # digits 5-9: never seen in training
X_fit, X_rest, y_fit, y_rest = train_test_split(X_in, y_in, test_size=0.4, stratify=y_in, random_state=0)
X_val, X_te, y_val, y_te = train_test_split(X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0)

budget = dict(cae_max_epochs=20, max_epochs=15, batch_size=64)
if quick:
    budget = dict(cae_max_epochs=2, max_epochs=2, batch_size=64, latent_dim=8, noise_dim=8,
                  generator_hidden=(32,), critic_hidden=(32,))
model = GANShieldedOvAClassifier(**budget, random_state=0).fit(X_fit, y_fit)
print(f"fitted on {len(X_fit)} digits 0-4; {len(X_val)} held out for the thresholds, {len(X_te)} for the test; "
      f"{len(X_out)} unseen digits 5-9")

# The thresholds are chosen on the held-out known digits only. FrozenEstimator + cv="prefit":
# the fitted model is reused, not refitted. (Without a prefit model, one line does both:
# TunedRejectClassifier(GANShieldedOvAClassifier(...), coverage=0.95, cv=0.25).fit(X_train, y_train).)
rules = {
    "epistemic, coverage 0.95": dict(uncertainty="epistemic", coverage=0.95),
    "aleatoric, target accuracy 0.995": dict(uncertainty="aleatoric", target_accuracy=0.995),
    "both, coverage 0.95": dict(uncertainty="both", coverage=0.95),
}
fitted = {name: TunedRejectClassifier(FrozenEstimator(model), cv="prefit", **kw).fit(X_val, y_val)
          for name, kw in rules.items()}

# The stream: test digits 0-4 plus as many unseen digits, whose true label (5-9) no prediction matches.
mix = np.random.RandomState(0).choice(len(X_out), size=len(X_te), replace=False)
X_stream, y_stream = np.concatenate([X_te, X_out[mix]]), np.r_[y_te, np.full(len(mix), 99)]

print(f"{'rule':<33} {'threshold(s)':<22} {'held-out 0-4':>17} {'test 0-4':>17} {'unseen 5-9':>10} {'stream':>8}")
print(f"{'':<33} {'':<22} {'coverage':>8} {'accuracy':>8} {'coverage':>8} {'accuracy':>8} {'rejected':>10} "
      f"{'accuracy':>8}")
plain = np.mean(model.predict(X_te) == y_te)
print(f"{'no rejection':<33} {'-':<22} {1:>8.3f} {np.mean(model.predict(X_val) == y_val):>8.3f} "
      f"{1:>8.3f} {plain:>8.3f} {0:>10.3f} {np.mean(model.predict(X_stream) == y_stream):>8.3f}")
points = {}
for name, clf in fitted.items():
    y_pred = clf.predict(X_te)
    kept = y_pred != clf.reject_label  # the same as ~clf.predict_reject(X_te)
    rejected_out = clf.predict_reject(X_out).mean()
    y_pred_stream = clf.predict(X_stream)
    kept_stream = y_pred_stream != clf.reject_label
    points[name] = (kept_stream.mean(), np.mean(y_pred_stream[kept_stream] == y_stream[kept_stream]),
                    kept.mean(), rejected_out)
    t = ", ".join(f"{k[0]} <= {v:.3f}" for k, v in (("epistemic", clf.epistemic_threshold_),
                                                   ("aleatoric", clf.aleatoric_threshold_)) if v is not None)
    print(f"{name:<33} {t:<22} {clf.validation_coverage_:>8.3f} {clf.validation_accuracy_:>8.3f} "
          f"{kept.mean():>8.3f} {np.mean(y_pred[kept] == y_te[kept]):>8.3f} {rejected_out:>10.3f} "
          f"{points[name][1]:>8.3f}")

u_val, u_te, u_out = (model.predict_uncertainty(A) for A in (X_val, X_te, X_out))
markers = dict(zip(rules, ("o", "s", "D")))

# Figure 1: accuracy on what is kept from the stream against the fraction kept, per score.
fig, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
u_stream = model.predict_uncertainty(X_stream)
y_pred_stream = model.predict(X_stream)
for score, color in (("epistemic", "C0"), ("aleatoric", "C1")):
    coverage, accuracy, _ = accuracy_coverage_curve(y_stream, y_pred_stream, u_stream[score])
    ax.plot(coverage, accuracy, color=color, label=f"ranked by {score}")
for name, (cov, acc, _, _) in points.items():
    ax.plot(cov, acc, markers[name], color="k", mfc="none", ms=8, label=name)
ax.axhline(np.mean(y_pred_stream == y_stream), color="0.5", ls=":", label="no rejection")
ax.set(title=f"test digits 0-4 + {len(mix)} unseen 5-9", xlabel="coverage (fraction of the stream kept)",
       ylabel="accuracy on kept inputs", xlim=(0, 1.02), ylim=(0.45, 1.02))
ax.grid(alpha=0.3)
ax.legend(loc="lower left", fontsize="small")
path = os.path.join(out_dir, "reject_accuracy_coverage.png")
fig.savefig(path, dpi=100)
print(f"saved {path}")

# Figure 2: unseen digits rejected against known test digits kept. Each curve moves the
# threshold(s) through the held-out quantiles; "both" puts both scores at the same quantile
# (the rule TunedRejectClassifier uses for uncertainty="both").
fig, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
q = np.linspace(0, 1, 401)
for score, color in (("epistemic", "C0"), ("aleatoric", "C1"), ("both", "C2")):
    names = ("epistemic", "aleatoric") if score == "both" else (score,)
    t = {s: np.r_[np.quantile(u_val[s], q, method="inverted_cdf"), np.inf] for s in names}  # inf: keep all
    keep_te = np.all([u_te[s][None, :] <= t[s][:, None] for s in names], axis=0).mean(1)
    keep_out = np.all([u_out[s][None, :] <= t[s][:, None] for s in names], axis=0).mean(1)
    ax.plot(keep_te, 1 - keep_out, color=color, label=score)
for name, (_, _, cov, rej) in points.items():
    ax.plot(cov, rej, markers[name], color="k", mfc="none", ms=8, label=name)
ax.set(title="known digits 0-4 vs unseen 5-9 (test)", xlabel="fraction of known digits kept",
       ylabel="fraction of unseen digits rejected", xlim=(0, 1.02), ylim=(0, 1.02))
ax.grid(alpha=0.3)
ax.legend(loc="lower left", fontsize="small")
path = os.path.join(out_dir, "reject_ood_rejection.png")
fig.savefig(path, dpi=100)
print(f"saved {path}")
