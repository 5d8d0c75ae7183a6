"""Far from the data: the epistemic uncertainty map at a wide zoom, with and without the far field.

Two Gaussian blobs (centres (-4, 0) and (4, 0)) fitted twice with the same seed:
``far_field="off"`` (the paper's behaviour) and the default ``far_field="auto"``
(for feature vectors: squashed inputs, far-field negatives on spheres around the
data, a radial input feature). The maps cover [-40, 40]^2, ten times the data's
extent. Without the far field, whole sectors far from the data are called
in-distribution (dark); with it, only the data is.

Run::

    python examples/far_field_map.py            # ~15 s on one CPU core
    python examples/far_field_map.py --quick    # seconds (CI smoke test; rough maps)
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs

from gan_ova import GANShieldedOvAClassifier

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="outputs/far_field_map", help="folder for the figure")
parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
parser.add_argument("--seed", type=int, default=2)
args = parser.parse_args()
quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
os.makedirs(args.output, exist_ok=True)

X, y = make_blobs(n_samples=200, centers=[[-4, 0], [4, 0]], random_state=0)
settings = dict(max_epochs=8 if quick else 30, batch_size=32, lambda_reg=8.0, generator_lr=1e-3, critic_lr=1e-3,
                generator_hidden=(128,), critic_hidden=(128,), random_state=args.seed)
res = 60 if quick else 300
g = np.linspace(-40, 40, res)
grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
circle = 30.0 * np.c_[np.cos(t), np.sin(t)]

fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
for ax, far_field in zip(axes, ["off", "auto"]):
    clf = GANShieldedOvAClassifier(far_field=far_field, **settings).fit(X, y)
    e = clf.predict_uncertainty(grid).epistemic.reshape(res, res)
    im = ax.imshow(e, origin="lower", extent=(-40, 40, -40, 40), vmin=0, vmax=1, cmap="viridis")
    ax.scatter(*X.T, c=y, cmap="coolwarm", s=6, edgecolors="none")
    thr = np.percentile(clf.predict_uncertainty(X).epistemic, 95)
    flagged = clf.predict_uncertainty(circle).epistemic > thr
    ax.scatter(*circle[flagged].T, marker="o", facecolors="none", edgecolors="white", s=40, label="flagged")
    ax.scatter(*circle[~flagged].T, marker="x", color="red", s=40, label="missed")
    ax.set_title(f'far_field="{far_field}": {flagged.mean():.0%} of the r=30 circle flagged', fontsize="medium")
    ax.legend(loc="lower left", fontsize="small")
    print(f"far_field={far_field!r}: {flagged.mean():.2f} of 16 points at radius 30 above the training 95th "
          f"percentile; accuracy {clf.score(X, y):.3f}")
fig.colorbar(im, ax=axes, label="epistemic uncertainty $1 - P_{in}(x)$", shrink=0.9)
path = os.path.join(args.output, "far_field_map.png")
fig.savefig(path, dpi=80 if quick else 90)
print("wrote", path)
