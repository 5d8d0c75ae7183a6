"""gan_ova: one-vs-all classifiers shielded by a latent conditional GAN (UQGAN).

The main entry point is :class:`GANShieldedOvAClassifier`, a scikit-learn
estimator giving class probabilities, aleatoric and epistemic uncertainty in
one forward pass. :func:`predict_uncertainty` gets those uncertainties through
a scikit-learn ``Pipeline`` too. :class:`TunedRejectClassifier` and
:class:`FixedRejectClassifier` (from :mod:`gan_ova.decisions`) predict with a
reject option built on them.
"""

from ._compose import predict_uncertainty
from .decisions import FixedRejectClassifier, TunedRejectClassifier
from .estimator import GANShieldedOvAClassifier

__version__ = "0.1.0.dev0"

__all__ = [
    "GANShieldedOvAClassifier",
    "predict_uncertainty",
    "TunedRejectClassifier",
    "FixedRejectClassifier",
    "__version__",
]
