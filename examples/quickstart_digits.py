"""Quickstart: accuracy, aleatoric and epistemic uncertainty on scikit-learn's digits.

The model is trained on the digits 0-4 only; the digits 5-9 play the role of
out-of-distribution (OoD) inputs it has never seen. We print

* the test accuracy on 0-4,
* the OoD AUROC of the *epistemic* score (how well it separates 0-4 from 5-9),
* the misclassification-detection AUROC of the *aleatoric* score,
* the uncertainty of a few individual test images,

and save a histogram of the epistemic score in vs out of distribution.

Run::

    python examples/quickstart_digits.py              # ~25-30 s on one CPU core
    python examples/quickstart_digits.py --quick      # a few seconds (CI smoke test)
    python examples/quickstart_digits.py --random-state 1   # another seed of the estimator

Tip: on a machine whose cores are busy, run with ``OMP_NUM_THREADS=1``: PyTorch's
threads then do not wait on each other (here 17 s instead of 105 s on a loaded 2-core VM).
"""
import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")  # write files, never open windows
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import load_digits_images, split_classes
from gan_ova.metrics import fp_detection_auroc, ood_auroc
from gan_ova.plotting import plot_score_histograms

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="outputs/quickstart_digits", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
parser.add_argument("--random-state", type=int, default=0, help="seed of the estimator (default: 0)")
args = parser.parse_args()
quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
os.makedirs(args.output, exist_ok=True)

# 1797 images of shape (1, 8, 8), floats in [0, 1]; keep 0-4 as the known classes.
X, y = load_digits_images()
X_in, y_in, X_out, y_out = split_classes(X, y, "0-4")
X_tr, X_te, y_tr, y_te = train_test_split(X_in, y_in, test_size=0.3, stratify=y_in, random_state=0)

# Stage 1 trains a conditional autoencoder (cae_max_epochs), stage 2 the latent GAN
# that generates "shielding" examples jointly with the one-vs-all classifier (max_epochs).
budget = dict(cae_max_epochs=20, max_epochs=15, batch_size=64)
if quick:  # just enough to exercise the code path
    budget = dict(cae_max_epochs=2, max_epochs=2, batch_size=64, latent_dim=8, noise_dim=8,
                  generator_hidden=(32,), critic_hidden=(32,))
clf = GANShieldedOvAClassifier(**budget, random_state=args.random_state)
start = time.perf_counter()
clf.fit(X_tr, y_tr)
print(f"fit: {time.perf_counter() - start:.1f} s on {len(X_tr)} images")

# One forward pass gives class probabilities and both uncertainties.
u_in = clf.predict_uncertainty(X_te)
u_out = clf.predict_uncertainty(X_out)
y_pred = clf.classes_[u_in.proba.argmax(axis=1)]  # same as clf.predict(X_te)
print(f"test accuracy (digits 0-4)           : {np.mean(y_pred == y_te):.3f}")
print(f"OoD AUROC, epistemic (0-4 vs 5-9)    : {ood_auroc(u_in.epistemic, u_out.epistemic):.3f}")
if np.any(y_pred != y_te):  # undefined when every prediction is right
    print(f"FP-detection AUROC, aleatoric        : {fp_detection_auroc(y_te, y_pred, u_in.aleatoric):.3f}")

# A few individual examples: known digits should have low epistemic uncertainty,
# unseen digits (5-9) high; aleatoric is high when two known classes compete.
print("\n  set        true  pred  P(pred|x)  aleatoric  epistemic")
for name, u, labels in (("in (0-4) ", u_in, y_te), ("OoD (5-9)", u_out, y_out)):
    for i in range(3):
        k = u.proba[i].argmax()
        print(f"  {name}  {labels[i]:>4}  {clf.classes_[k]:>4}  {u.proba[i, k]:9.3f}  "
              f"{u.aleatoric[i]:9.3f}  {u.epistemic[i]:9.3f}")

# Figure: the epistemic score separates the known from the unseen digits.
ax = plot_score_histograms(clf, X_te, {"digits 5-9 (OoD)": X_out}, score="epistemic")
ax.set_title("Digits: epistemic uncertainty, trained on 0-4")
ax.get_legend().get_texts()[0].set_text(f"digits 0-4, test (n={len(X_te)})")
path = os.path.join(args.output, "epistemic_histograms.png")
ax.figure.savefig(path, dpi=120)
plt.close(ax.figure)
print(f"\nsaved {path}")
