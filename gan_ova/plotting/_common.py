"""What the figures of :mod:`gan_ova.plotting` share: matplotlib, new Axes, colours, input checks."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._validation import check_scores_1d

_MPL_MESSAGE = "plotting needs matplotlib: pip install 'gan-ova[plot]'"


def pyplot():
    """Import and return ``matplotlib.pyplot``, or raise a helpful ImportError."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_MPL_MESSAGE) from exc
    return plt


def new_axes(ax, figsize=(6.0, 4.5)):
    """Return ``ax``, or the Axes of a new figure when ``ax`` is None."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def class_colors(n):
    """``n`` distinct colours (tab10, then tab20, then a hue circle)."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    return [colormaps["hsv"](i / n) for i in range(n)]


def check_fitted(estimator, name="estimator"):
    """Raise NotFittedError for an unfitted scikit-learn estimator, ValueError without ``classes_``."""
    if isinstance(estimator, BaseEstimator):
        check_is_fitted(estimator)
    if not hasattr(estimator, "classes_"):
        raise ValueError(f"{name}: expected a fitted classifier exposing classes_, got {type(estimator).__name__}.")


def check_labels(name, y, n, classes):
    """Validate labels ``y`` (from ``classes``) of ``n`` examples."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name}: expected a 1-D array of {n} labels (one per row of X), got shape {y.shape}.")
    unknown = ~np.isin(y, classes)
    if unknown.any():
        raise ValueError(
            f"{name}: expected labels from estimator.classes_ {np.asarray(classes).tolist()!r}, "
            f"got {y[unknown][:1].tolist()[0]!r}."
        )
    return y


def uncertainty_scores(estimator, X, score, what):
    """The ``score`` field of ``estimator.predict_uncertainty(X)``, checked as finite 1-D scores (``what`` names ``X``)."""
    u = estimator.predict_uncertainty(X)
    return check_scores_1d(f"{what} ({score} score)", u[score])


def display_repr(self):
    """``ClassName(attr=..., ...)`` listing the names of a Display's computed attributes."""
    names = [k for k in vars(self) if not k.endswith("_")]
    return f"{type(self).__name__}({', '.join(names)})"
