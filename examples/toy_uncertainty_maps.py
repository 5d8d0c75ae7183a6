"""Where is the model uncertain? Aleatoric and epistemic uncertainty maps on 2-D toy data.

On 2-D feature vectors the cAE is the identity, so the GAN generates its
"shielding" samples directly in the plane: for each class, points just
outside it that the class's one-vs-all head learns to reject. The figure
shows, for two well separated Gaussians and for two moons,

* the epistemic uncertainty ``1 - P_in(x)``: low on the data, high everywhere
  else -- the model knows what it has not seen;
* the aleatoric uncertainty: high only where two known classes meet;
* the training points (o) and the generated shielding samples (x), coloured
  by the class they shield.

Run::

    python examples/toy_uncertainty_maps.py            # ~15 s on one CPU core
    python examples/toy_uncertainty_maps.py --quick    # seconds (CI smoke test; rough maps)
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import make_moons_2d, make_two_gaussians
from gan_ova.plotting import plot_uncertainty_map

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="outputs/toy_uncertainty_maps", help="folder for the figure")
parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
args = parser.parse_args()
quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
os.makedirs(args.output, exist_ok=True)

# The 2-D configuration: the angular regularizer (lambda_reg) is weaker than in a
# 32-D latent space, and the GAN learns faster than with the image defaults.
toy = dict(max_epochs=40, batch_size=64, lambda_reg=8.0, generator_lr=1e-3, critic_lr=1e-3,
           generator_hidden=(256, 128), critic_hidden=(256, 256))
if quick:
    toy.update(max_epochs=8, generator_hidden=(64, 64), critic_hidden=(64, 64))
n = 200 if quick else 400
datasets = {
    "two Gaussians": make_two_gaussians(n_samples=n, distance=8.0, std=1.0, random_state=0),
    "two moons": make_moons_2d(n_samples=n, noise=0.1, random_state=0),
}

fig, axes = plt.subplots(2, 2, figsize=(11.5, 9.5), layout="constrained")
for row, (name, (X, y)) in zip(axes, datasets.items()):
    clf = GANShieldedOvAClassifier(**toy, random_state=0).fit(X, y)
    # epistemic (left) and aleatoric (right) panel, with the shielding samples
    plot_uncertainty_map(clf, X, y, kind="both", ax=row, resolution=60 if quick else 200, n_shields=60)
    for ax in row:
        ax.set_title(f"{name}: {ax.get_title()}", fontsize="medium")
    # key numbers: accuracy, and epistemic uncertainty on the data vs far away from it
    far = X.mean(0) + np.ptp(X, axis=0).max() * np.c_[np.cos(np.arange(100)), np.sin(np.arange(100))]
    u_train, u_far = clf.predict_uncertainty(X), clf.predict_uncertainty(far)
    print(f"{name:>13}: train accuracy {clf.score(X, y):.3f} | median epistemic on the data "
          f"{np.median(u_train.epistemic):.3f}, far from it {np.median(u_far.epistemic):.3f} | "
          f"median aleatoric on the data {np.median(u_train.aleatoric):.3f}")

if quick:
    fig.suptitle("--quick: tiny training budget, the maps are only rough", color="C3")
path = os.path.join(args.output, "toy_uncertainty_maps.png")
fig.savefig(path, dpi=110)
print(f"saved {path}")
