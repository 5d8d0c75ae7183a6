"""Out-of-distribution detection on Fashion-MNIST: near and far OoD sets.

Trained on Fashion-MNIST classes 0-4 (T-shirt, trouser, pullover, dress, coat),
the model should give high epistemic uncertainty to the held-out classes 5-9
(sandal, shirt, sneaker, bag, boot: *near* OoD -- a shirt looks like a
pullover), to rendered letters A-J, upscaled 8x8 digits and uniform noise
(*far* OoD). Prints accuracy, calibration (ECE), misclassification detection
and the OoD AUROC per set; saves ROC curves, shielding samples, score
histograms, training curves and a reliability diagram.

Fashion-MNIST is read from local files only (``apt-get install dataset-fashion-mnist`` or ``--root``).

Run::

    python examples/fashion_mnist_ood.py            # 10 000 training images, ~3 min on one CPU core
    python examples/fashion_mnist_ood.py --quick    # 1 500 images, tiny budget (CI smoke test)
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from gan_ova import GANShieldedOvAClassifier, datasets, plotting
from gan_ova.metrics import evaluate

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="outputs/fashion_mnist_ood", help="folder for the figures")
parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
parser.add_argument("--root", default=None, help="folder with a copy of Fashion-MNIST (IDX files)")
args = parser.parse_args()
quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
os.makedirs(args.output, exist_ok=True)

try:
    X_train, y_train = datasets.load_fashion_mnist(root=args.root, train=True)
    X_test, y_test = datasets.load_fashion_mnist(root=args.root, train=False)
except FileNotFoundError as exc:
    print(f"Fashion-MNIST is not available ({exc}).\nInstall it with `apt-get install dataset-fashion-mnist` "
          "or pass --root DIR pointing at the IDX files; skipping this example.")
    sys.exit(0)

n_train, n_test = (1500, 300) if quick else (10000, 5000)
X_tr, y_tr, _, _ = datasets.split_classes(X_train, y_train, "0-4")
X_tr, _, y_tr, _ = train_test_split(X_tr, y_tr, train_size=n_train, stratify=y_tr, random_state=0)
X_te, y_te, X_near, _ = datasets.split_classes(X_test, y_test, "0-4")
X_te, y_te, X_near = X_te[:n_test], y_te[:n_test], X_near[:n_test]
ood = {  # everything 28x28 grey in [0, 1], like the training images
    "Fashion 5-9 (near)": X_near,
    "letters A-J": datasets.make_letters(n_per_letter=n_test // 10, size=28, random_state=0)[0],
    "digits (upscaled)": datasets.to_shape(datasets.load_digits_images()[0][:n_test], (1, 28, 28)),
    "uniform noise": datasets.make_noise_images(n_test, shape=(1, 28, 28), random_state=0),
}

budget = dict(cae_max_epochs=10, max_epochs=3, batch_size=128)  # the benchmark's "quick" budget
if quick:
    budget = dict(cae_max_epochs=2, max_epochs=2, batch_size=64, latent_dim=16, noise_dim=16,
                  generator_hidden=(64,), critic_hidden=(64,), n_critic=1, n_classifier_steps=1)
clf = GANShieldedOvAClassifier(**budget, random_state=0).fit(X_tr, y_tr)

res = evaluate(clf, X_te, y_te, ood)
print(f"trained on {len(X_tr)} images; test accuracy {res['accuracy']:.3f}, ECE {res['ece']:.3f}, "
      f"FP-detection AUROC (aleatoric) {res['fp_auroc']:.3f}")
for name, m in res["ood"].items():
    print(f"  OoD AUROC (epistemic) {name:<20} {m['auroc']:.3f}   FPR@95%TPR {m['fpr95']:.3f}")


def save(fig, name):  # one PNG per figure
    fig.savefig(os.path.join(args.output, name), dpi=110)
    plt.close(fig)
    print(f"saved {os.path.join(args.output, name)}")


save(plotting.plot_ood_roc(clf, X_te, ood).figure, "ood_roc.png")
fig = plotting.plot_shield_grid(clf, X_te, y_te, n_per_class=8)  # rows: real images | generated shields
names = {f"class {k}": name for k, name in enumerate(["T-shirt", "trouser", "pullover", "dress", "coat"])}
for ax in fig.axes:
    ax.yaxis.label.set_text(names.get(ax.get_ylabel(), ax.get_ylabel()))  # keeps the label layout
save(fig, "shield_grid.png")
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
for ax, score in zip(axes, ("epistemic", "aleatoric")):
    plotting.plot_score_histograms(clf, X_te, ood, score=score, ax=ax)
    ax.get_legend().get_texts()[0].set_text(f"Fashion 0-4, test (n={len(X_te)})")
save(fig, "score_histograms.png")
save(plotting.plot_training_curves(clf), "training_curves.png")
save(plotting.plot_reliability_diagram(np.searchsorted(clf.classes_, y_te), clf.predict_proba(X_te)).figure,
     "reliability_diagram.png")
