"""Figures for fitted uncertainty-aware classifiers.

Matplotlib is optional: it is imported inside each function, and a missing
installation raises an :class:`ImportError` saying how to get it
(``pip install 'gan-ova[plot]'``).

Every function draws into the Axes (``ax``) or Figure (``fig``) it is given,
or into a new one, and returns it; none calls ``plt.show()``. Uncertainty
scores follow the convention of :mod:`gan_ova.metrics`: higher = more
uncertain / more out-of-distribution.

Functions
---------
plot_uncertainty_map
    Heat map of aleatoric and/or epistemic uncertainty of a model fitted on
    2-D feature vectors, with the training points and the generated shielding
    samples.
plot_shield_grid
    Real images of each class next to the generated out-of-class images that
    shield it.
plot_shield_diagnostics
    Where the shields sit: real codes and shields of each class in a 2-D
    projection, and the distances from shields to their class.
plot_reliability_diagram
    Accuracy per confidence bin against the diagonal, with the ECE.
plot_roc_curves, plot_ood_roc, plot_fp_roc
    ROC curves with their AUROC: generic, out-of-distribution detection from
    the epistemic score, misclassification detection from the aleatoric score.
plot_score_histograms
    Densities of an uncertainty score in- and out-of-distribution.
plot_training_curves
    The losses recorded during the two training stages.

Displays
--------
Each function computes its numbers, then draws them. Both steps are public,
modelled on scikit-learn's Display objects (e.g.
:class:`sklearn.metrics.RocCurveDisplay`): a classmethod ``from_estimator``
(or ``from_scores``, ``from_predictions``, ...) computes and returns a
Display whose attributes hold the arrays (no matplotlib needed), and its
``plot`` method draws them, sets ``ax_`` / ``figure_`` and returns the
Display. Unlike scikit-learn's, the ``from_*`` methods do not draw.

UncertaintyMapDisplay
    Grid and uncertainties of :func:`plot_uncertainty_map`.
ShieldGridDisplay
    Real and generated images of :func:`plot_shield_grid`.
ShieldDiagnosticsDisplay
    Projections and distances of :func:`plot_shield_diagnostics`.
ReliabilityDiagramDisplay
    Per-bin accuracy and confidence of :func:`plot_reliability_diagram`.
RocCurvesDisplay
    ROC curves of :func:`plot_roc_curves`, :func:`plot_ood_roc` and
    :func:`plot_fp_roc`.
ScoreHistogramsDisplay
    Score densities of :func:`plot_score_histograms`.
TrainingCurvesDisplay
    History series of :func:`plot_training_curves`.
"""

# Every public name is imported from here, ``gan_ova.plotting``; the modules
# below it split the figures by topic:
#   maps         the uncertainty map of a model fitted on 2-D feature vectors
#   shields      the shield grid (images) and the shield diagnostics
#   calibration  the reliability diagram
#   detection    ROC curves (OoD and misclassification) and score histograms
#   training     the training curves
#   _common      matplotlib import, new Axes, class colours, input checks
# None of them imports matplotlib at import time; each figure imports it when
# it draws.
from .calibration import ReliabilityDiagramDisplay, plot_reliability_diagram
from .detection import (
    RocCurvesDisplay,
    ScoreHistogramsDisplay,
    plot_fp_roc,
    plot_ood_roc,
    plot_roc_curves,
    plot_score_histograms,
)
from .maps import UncertaintyMapDisplay, plot_uncertainty_map
from .shields import ShieldDiagnosticsDisplay, ShieldGridDisplay, plot_shield_diagnostics, plot_shield_grid
from .training import TrainingCurvesDisplay, plot_training_curves

__all__ = [
    "plot_uncertainty_map",
    "plot_shield_grid",
    "plot_shield_diagnostics",
    "plot_reliability_diagram",
    "plot_roc_curves",
    "plot_ood_roc",
    "plot_fp_roc",
    "plot_score_histograms",
    "plot_training_curves",
    "UncertaintyMapDisplay",
    "ShieldGridDisplay",
    "ShieldDiagnosticsDisplay",
    "ReliabilityDiagramDisplay",
    "RocCurvesDisplay",
    "ScoreHistogramsDisplay",
    "TrainingCurvesDisplay",
]
