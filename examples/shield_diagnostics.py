"""Where do the shields sit? The shield diagnostics of a Fashion-MNIST model, as numbers and a figure.

Fits UQGAN with the defaults on Fashion-MNIST classes 0-4 (the first 6,000
training images; 10 autoencoder + 8 stage-2 epochs, batch 128: the setting of
``benchmarks/shields.py``), then prints, per class, what
``clf.shield_diagnostics`` measures on fresh shields:

* the distance ratio: median distance from a shield to its nearest real code of
  its class over the median nearest-neighbour spacing of that class's codes
  (about 1: on the boundary; much larger: far out);
* the own-head probability ``p_y`` of the shields (near 0: rejected outright;
  0.05-0.5: the head hesitates, as at a boundary), of the real images, and of
  their autoencoder reconstructions (near 0: the classifier rejects anything
  that looks decoded).

and saves ``plot_shield_diagnostics``: real codes and shields of each class in a
2-D projection, and the two distance histograms. Pass ``--shield-residuals`` to
fit with ``shield_residuals=True`` instead.

Fashion-MNIST is read from local files only (``apt-get install dataset-fashion-mnist`` or ``--root``).

Run::

    python examples/shield_diagnostics.py            # ~5 min on one CPU core
    python examples/shield_diagnostics.py --quick    # 600 images, 1 + 1 epochs (CI smoke test)
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import numpy as np

from gan_ova import GANShieldedOvAClassifier, datasets
from gan_ova.plotting import plot_shield_diagnostics

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="outputs/shield_diagnostics", help="folder for the figure")
parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
parser.add_argument("--root", default=None, help="folder with a copy of Fashion-MNIST (IDX files)")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--shield-residuals", action="store_true", help="fit with shield_residuals=True")
args = parser.parse_args()
quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
os.makedirs(args.output, exist_ok=True)

try:
    X_train, y_train = datasets.load_fashion_mnist(root=args.root, train=True)
except FileNotFoundError as exc:
    print(f"Fashion-MNIST is not available ({exc}).\nInstall it with `apt-get install dataset-fashion-mnist` "
          "or pass --root DIR pointing at the IDX files; skipping this example.")
    sys.exit(0)

keep = np.flatnonzero(y_train < 5)[: 600 if quick else 6000]
X, y = X_train[keep], y_train[keep]
budget = dict(cae_max_epochs=1, max_epochs=1, batch_size=64) if quick else dict(cae_max_epochs=10, max_epochs=8,
                                                                               batch_size=128)
clf = GANShieldedOvAClassifier(shield_residuals=args.shield_residuals, random_state=args.seed, **budget).fit(X, y)
d = clf.shield_diagnostics(X, y, n_per_class=256)

names = ["T-shirt", "trouser", "pullover", "dress", "coat"]
print(f"{len(X)} training images, budget {budget}, shield_residuals={args.shield_residuals}, seed {args.seed}")
print(f"{'class':<10} {'distance ratio':>15} {'shields p_y':>12} {'real p_y':>9} {'recon. p_y':>11}")
for k, name in enumerate(names):
    print(f"{name:<10} {d.distance_ratio[k]:>15.2f} {d.own_head_p[k]:>12.3f} {d.real_head_p[k]:>9.3f} "
          f"{d.reconstruction_head_p[k]:>11.3f}")
fig = plot_shield_diagnostics(clf, diagnostics=d)
path = os.path.join(args.output, "shield_diagnostics.png")
fig.savefig(path, dpi=70 if quick else 80)
print("wrote", path)
