"""Abstain when unsure: reject uncertain predictions with thresholds set on validation data.

A deployed classifier meets inputs it was never trained for. Here the model
knows the digits 0-4; the test stream also contains digits 5-9. We pick two
thresholds on a held-out validation split of *known* digits -- the epistemic
score (unfamiliar input) and the aleatoric score (ambiguous between known
classes), each at the 97.5 % quantile, so about 95 % of validation examples
are accepted -- and report on test data: coverage, accuracy on the accepted
examples vs on all, and the share of unseen digits rejected. The figure shows
the accuracy-coverage trade-off of each score.

Run::

    python examples/reject_uncertain.py            # ~30 s on a laptop CPU
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

# Thresholds from the validation split (known digits only): accept ~95 % of them.
u_val = clf.predict_uncertainty(X_val)
t_epi, t_ale = np.quantile(u_val.epistemic, 0.975), np.quantile(u_val.aleatoric, 0.975)
print(f"thresholds: epistemic <= {t_epi:.3f}, aleatoric <= {t_ale:.3f}")

u_te, u_out = clf.predict_uncertainty(X_te), clf.predict_uncertainty(X_out)
correct = clf.classes_[u_te.proba.argmax(1)] == y_te
rules = {"epistemic only": (u_te.epistemic <= t_epi, u_out.epistemic <= t_epi),
         "epistemic + aleatoric": ((u_te.epistemic <= t_epi) & (u_te.aleatoric <= t_ale),
                                   (u_out.epistemic <= t_epi) & (u_out.aleatoric <= t_ale))}
print(f"no rejection         : coverage 1.000, accuracy {correct.mean():.3f}")
for name, (acc_in, acc_out) in rules.items():
    print(f"{name:<21}: coverage {acc_in.mean():.3f}, accuracy on accepted {correct[acc_in].mean():.3f}, "
          f"unseen digits 5-9 rejected {1 - acc_out.mean():.3f}")

# Accuracy-coverage curves: keep the c most certain test inputs, for every c.
# Left: known digits only. Right: a 50/50 stream of known and unseen digits,
# where any accepted unseen digit counts as an error.
mix = np.random.RandomState(0).choice(len(X_out), size=len(X_te), replace=False)
acc_in, acc_out = rules["epistemic + aleatoric"]
streams = [("test digits 0-4", lambda s: u_te[s], correct, acc_in),
           ("test digits 0-4 + as many unseen 5-9", lambda s: np.r_[u_te[s], u_out[s][mix]],
            np.r_[correct, np.zeros(len(mix), bool)], np.r_[acc_in, acc_out[mix]])]
fig, axes = plt.subplots(1, 2, figsize=(11, 4.3), layout="constrained", sharey=True)
for ax, (title, scores, ok, accepted) in zip(axes, streams):
    for score, color in (("epistemic", "C0"), ("aleatoric", "C1")):
        order = np.argsort(scores(score), kind="stable")  # most certain first
        n = np.arange(1, len(ok) + 1)
        ax.plot(n / len(ok), np.cumsum(ok[order]) / n, color=color, label=f"ranked by {score}")
    ax.plot(accepted.mean(), ok[accepted].mean(), "k*", markersize=12, label="chosen thresholds")
    ax.axhline(ok.mean(), color="0.5", linestyle=":", label="no rejection")
    ax.set(title=title, xlabel="coverage (fraction of inputs accepted)", xlim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
axes[0].set_ylabel("accuracy on accepted inputs")
path = os.path.join(args.output, "accuracy_coverage.png")
fig.savefig(path, dpi=110)
print(f"saved {path}")
