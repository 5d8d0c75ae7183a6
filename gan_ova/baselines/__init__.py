"""Baseline uncertainty-aware classifiers, with the same inputs and API as the UQGAN model.

Every baseline is a scikit-learn classifier deriving from
:class:`~gan_ova._base.BaseUQClassifier`: it accepts images ``(n, C, H, W)`` /
``(n, H, W)``, flat images with ``image_shape`` or feature vectors, trains its
network(s) with skorch, keeps the classifier state with the best validation
accuracy, and offers ``predict_proba``, ``predict``, ``predict_uncertainty``
(``aleatoric``, ``epistemic``, ``p_in = 1 - epistemic``, ``proba``; higher =
more uncertain, all in [0, 1]) and ``score_samples``.

* :class:`SoftmaxClassifier` -- one softmax net; max-softmax or entropy score.
* :class:`OvAClassifier` -- the one-vs-all net of the UQGAN model without the
  GAN; same test-time formulas (:func:`gan_ova.uncertainty.ova_uncertainty`).
* :class:`MCDropoutClassifier` -- softmax net with dropout kept on at test
  time; mutual information as epistemic uncertainty.
* :class:`DeepEnsembleClassifier` -- several softmax nets from different
  seeds; mutual information as epistemic uncertainty.
* :class:`ConfidentClassifier` -- Lee et al. (2018): one unconditional GAN
  shields the whole data set; the classifier is pushed towards the uniform
  distribution on generated samples.

With ``K`` classes, softmax probabilities ``p`` and the normalized entropy
``H(p) / log K``, the scores are:

============================  ==========================  =====================================
model                         aleatoric                   epistemic
============================  ==========================  =====================================
Softmax, ``max_softmax``      ``H(p) / log K``            ``1 - max_k p_k``
Softmax, ``entropy``          ``H(p) / log K``            ``H(p) / log K``
OvA                           ``H(P(.|x)) / log K``       ``1 - P_in(x)`` (see uncertainty.py)
MC dropout, deep ensemble     ``H(mean p) / log K``       ``(H(mean p) - mean H(p)) / log K``
Confident classifier          ``H(p) / log K``            ``1 - max_k p_k``
============================  ==========================  =====================================

Layout: :mod:`~gan_ova.baselines.softmax` (softmax, MC dropout, deep
ensemble), :mod:`~gan_ova.baselines.ova`, :mod:`~gan_ova.baselines.confident`,
their skorch nets in :mod:`~gan_ova.baselines.nets` and the test-time
formulas in :mod:`~gan_ova.baselines.scores`; every public name is importable
from ``gan_ova.baselines`` itself.
"""

from .confident import ConfidentClassifier
from .nets import ConfidentNet, OvANet, SoftmaxNet
from .ova import OvAClassifier
from .scores import mutual_information_scores, softmax_scores
from .softmax import DeepEnsembleClassifier, MCDropoutClassifier, SoftmaxClassifier

__all__ = [
    "ConfidentClassifier",
    "DeepEnsembleClassifier",
    "MCDropoutClassifier",
    "OvAClassifier",
    "SoftmaxClassifier",
    "ConfidentNet",
    "OvANet",
    "SoftmaxNet",
    "mutual_information_scores",
    "softmax_scores",
]
