"""Abstain when unsure: reject uncertain predictions with thresholds set on validation data.

The model knows the digits 0-4; at test time it also meets the unseen digits
5-9. Two thresholds are set on a validation split of *known* digits, each at
its 97.5 % quantile so that ~95 % of them are accepted: on the epistemic score
(unfamiliar input) and on the aleatoric score (ambiguous between known
classes). On test data we report coverage, accuracy on the accepted inputs vs
on all, and the share of unseen digits rejected. The figure shows the
accuracy-coverage trade-off of each score and where the threshold falls.

Run::

    python examples/reject_uncertain.py            # ~15 s on one CPU core
    python examples/reject_uncertain.py --quick    # seconds (CI smoke test)
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import load_digits_images, split_classes

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="outputs/reject_uncertain", help="folder for the figure")
parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
args = parser.parse_args()
quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
os.makedirs(args.output, exist_ok=True)

X, y = load_digits_images()
X_in, y_in, X_out, _ = split_classes(X, y, "0-4")  # digits 5-9: never seen in training
X_tr, X_rest, y_tr, y_rest = train_test_split(X_in, y_in, test_size=0.4, stratify=y_in, random_state=0)
X_val, X_te, y_val, y_te = train_test_split(X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0)

budget = dict(cae_max_epochs=20, max_epochs=15, batch_size=64)
if quick:
    budget = dict(cae_max_epochs=2, max_epochs=2, batch_size=64, latent_dim=8, noise_dim=8,
                  generator_hidden=(32,), critic_hidden=(32,))
clf = GANShieldedOvAClassifier(**budget, random_state=0).fit(X_tr, y_tr)

# Thresholds from the validation split (known digits only).
u_val = clf.predict_uncertainty(X_val)
t_epi, t_ale = np.quantile(u_val.epistemic, 0.975), np.quantile(u_val.aleatoric, 0.975)
print(f"thresholds: epistemic <= {t_epi:.3f}, aleatoric <= {t_ale:.3f}")

u_te, u_out = clf.predict_uncertainty(X_te), clf.predict_uncertainty(X_out)
correct = clf.classes_[u_te.proba.argmax(1)] == y_te
rules = {"epistemic only": lambda u: u.epistemic <= t_epi,  # accept = True
         "epistemic + aleatoric": lambda u: (u.epistemic <= t_epi) & (u.aleatoric <= t_ale)}
print(f"no rejection         : coverage 1.000, accuracy {correct.mean():.3f}")
for name, accept in rules.items():
    print(f"{name:<21}: coverage {accept(u_te).mean():.3f}, accuracy on accepted "
          f"{correct[accept(u_te)].mean():.3f}, unseen digits 5-9 rejected {1 - accept(u_out).mean():.3f}")

# Left: accuracy-coverage curves -- keep the c most certain inputs, for every c -- on a
# 50/50 stream of known and unseen digits, where any accepted unseen digit is an error.
# Right: the epistemic scores and the threshold chosen on validation data.
mix = np.random.RandomState(0).choice(len(X_out), size=len(X_te), replace=False)
ok = np.r_[correct, np.zeros(len(mix), bool)]
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.3), layout="constrained")
stream = {k: np.r_[u_te[k], u_out[k][mix]] for k in ("epistemic", "aleatoric")}
for name, score, flags, style in (("stream, ranked by epistemic", stream["epistemic"], ok, dict(color="C0")),
                                  ("stream, ranked by aleatoric", stream["aleatoric"], ok, dict(color="C1")),
                                  ("known digits only, by aleatoric", u_te.aleatoric, correct,
                                   dict(color="0.4", ls="--"))):
    n = np.arange(1, len(score) + 1)
    ax.plot(n / len(score), np.cumsum(flags[np.argsort(score, kind="stable")]) / n, label=name, **style)
accepted = np.r_[rules["epistemic + aleatoric"](u_te), rules["epistemic + aleatoric"](u_out)[mix]]
ax.plot(accepted.mean(), ok[accepted].mean(), "k*", markersize=12, label="stream, chosen thresholds")
ax.axhline(ok.mean(), color="0.5", ls=":", label="stream, no rejection")
ax.set(title="test digits 0-4 + as many unseen 5-9", xlabel="coverage (fraction of inputs accepted)",
       ylabel="accuracy on accepted inputs", xlim=(0, 1.02))
ax.grid(alpha=0.3)
ax.legend(loc="lower left", fontsize="small")
for name, e, color in (("validation 0-4", u_val.epistemic, "0.4"), ("test 0-4", u_te.epistemic, "C2"),
                       ("unseen 5-9", u_out.epistemic, "C3")):
    ax2.hist(e, bins=np.linspace(0, 1, 31), density=True, histtype="step", lw=1.6, color=color, label=name)
ax2.axvspan(t_epi, 1, color="C3", alpha=0.08, label=f"rejected (epistemic > {t_epi:.2f})")
ax2.set(title="epistemic uncertainty and threshold", xlabel="epistemic uncertainty", ylabel="density (log)",
        yscale="log")
ax2.legend(fontsize="small")
path = os.path.join(args.output, "accuracy_coverage.png")
fig.savefig(path, dpi=110)
print(f"saved {path}")
