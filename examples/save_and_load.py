"""Saving a fitted model three ways: pickle, joblib and the safe save_model/load_model.

All three round trips give back a model with *identical* outputs (checked
below with ``np.array_equal`` on ``predict_proba`` and the uncertainties).
They differ in what the saved file is allowed to do when it is loaded:

* pickle and joblib files are programs: unpickling may import any module and
  call any function the file names (``os.system`` included). Load them only
  if you (or someone you trust) wrote them -- e.g. caching your own models.
* ``gan_ova.persistence.save_model`` writes a folder with ``config.json``
  (parameters, architecture, fitted attributes) and ``weights.safetensors``
  (tensors only). ``load_model`` parses them as data, builds the networks
  from a fixed allow-list of classes and loads the weights: a malicious file
  can at worst fail to load. Use it to share or publish models, or to load
  models from others. (Models with a custom backbone class can only be pickled.)

Run::

    python examples/save_and_load.py            # ~10 s
    python examples/save_and_load.py --quick    # seconds (CI smoke test)
"""
import argparse
import os
import pickle

import joblib
import numpy as np

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import load_digits_images, split_classes
from gan_ova.persistence import load_model, save_model

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="outputs/save_and_load", help="folder for the saved models")
parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
args = parser.parse_args()
quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
os.makedirs(args.output, exist_ok=True)

X, y = load_digits_images()
X, y, X_out, _ = split_classes(X, y, "0-4")  # fit on digits 0-4
budget = dict(cae_max_epochs=2, max_epochs=2) if quick else dict(cae_max_epochs=10, max_epochs=5)
clf = GANShieldedOvAClassifier(batch_size=64, latent_dim=16, generator_hidden=(128, 128),
                               critic_hidden=(128, 128), random_state=0, **budget).fit(X, y)
X_check = np.concatenate([X[:100], X_out[:100]])  # known and unseen digits
reference = clf.predict_uncertainty(X_check)


def size_kb(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)) / 1024
    return os.path.getsize(path) / 1024


def same_outputs(model):
    u = model.predict_uncertainty(X_check)
    return all(np.array_equal(u[k], reference[k]) for k in ("proba", "aleatoric", "epistemic"))


# 1) pickle -- trusted files only: pickle.load runs code named in the file.
p_pickle = os.path.join(args.output, "model.pkl")
with open(p_pickle, "wb") as f:
    pickle.dump(clf, f)
with open(p_pickle, "rb") as f:
    from_pickle = pickle.load(f)

# 2) joblib -- same format and same risk as pickle, a bit more efficient for big arrays.
p_joblib = os.path.join(args.output, "model.joblib")
joblib.dump(clf, p_joblib)
from_joblib = joblib.load(p_joblib)

# 3) safe format -- JSON + safetensors, nothing is unpickled; safe for untrusted files.
p_safe = save_model(clf, os.path.join(args.output, "model_safe"))
from_safe = load_model(p_safe)  # device=None: the saved device if available, else CPU
print(f"safe folder {p_safe} holds {sorted(os.listdir(p_safe))}")

for name, path, model in (("pickle", p_pickle, from_pickle), ("joblib", p_joblib, from_joblib),
                          ("save_model", p_safe, from_safe)):
    ok = same_outputs(model)
    assert ok and np.array_equal(model.predict_proba(X_check), clf.predict_proba(X_check)), name
    # pickle/joblib are larger: they also hold the optimizer states and the internal validation split.
    print(f"{name:>10}: {size_kb(path):8.0f} KiB, identical predict_proba and uncertainties: {ok}")
print("all round trips OK")
