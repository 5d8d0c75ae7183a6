"""Uncertainty through scikit-learn's composite estimators (Pipeline, fitted searches)."""

from __future__ import annotations

from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline

__all__ = ["predict_uncertainty"]


def final_step(estimator):
    """Unwrap fitted searches, frozen estimators and pipelines; return ``(preprocessing_steps, final_estimator)``."""
    transforms = []
    while True:
        if isinstance(estimator, FrozenEstimator):
            estimator = estimator.estimator
        elif isinstance(estimator, Pipeline):
            steps = estimator.steps
            if len(steps) > 1:
                transforms.append(estimator[:-1])
            estimator = steps[-1][1]
        elif not hasattr(estimator, "predict_uncertainty") and hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_  # GridSearchCV / RandomizedSearchCV with refit=True
        else:
            return transforms, estimator


def describe_estimator(obj):
    """A one-line name for an error message: the class name (reprs of pipelines span lines)."""
    return repr(obj) if isinstance(obj, str) or obj is None else type(obj).__name__


def uncertainty_step(estimator, fitted=True):
    """``(preprocessing_steps, predict_uncertainty method)`` of ``estimator`` or of a Pipeline's last step.

    Raises a TypeError naming what was passed when there is no such method.
    """
    transforms, final = final_step(estimator)
    method = getattr(final, "predict_uncertainty", None)
    if not callable(method):
        what = describe_estimator(final)
        if final is not estimator:
            what = f"{describe_estimator(estimator)} whose final estimator is {what}"
        kind = "a fitted gan_ova estimator" if fitted else "a gan_ova estimator"
        raise TypeError(
            f"estimator: expected {kind}, or a Pipeline whose last step is one, "
            f"got {what} (no predict_uncertainty method)."
        )
    return transforms, method


def predict_uncertainty(estimator, X):
    """Aleatoric and epistemic uncertainty from a gan_ova estimator, also at the end of a Pipeline.

    scikit-learn's :class:`~sklearn.pipeline.Pipeline` forwards only the
    methods it knows (``predict``, ``predict_proba``, ...), so
    ``pipe.predict_uncertainty(X)`` raises an ``AttributeError``. This
    function runs ``X`` through the pipeline's transformers and calls the
    final step's ``predict_uncertainty``. It also accepts a fitted gan_ova
    estimator itself (then it is ``estimator.predict_uncertainty(X)``), a
    fitted ``GridSearchCV``/``RandomizedSearchCV`` (its ``best_estimator_``),
    a :class:`~sklearn.frozen.FrozenEstimator` around any of these, and
    pipelines nested as the last step of a pipeline.

    Parameters
    ----------
    estimator : estimator
        A fitted gan_ova estimator (:class:`~gan_ova.GANShieldedOvAClassifier`
        or a baseline from :mod:`gan_ova.baselines`), or a fitted ``Pipeline``
        whose last step is one, or a fitted search whose ``best_estimator_``
        is one of these.
    X : array-like
        Input of the pipeline's first step (or of the estimator).

    Returns
    -------
    result : sklearn.utils.Bunch
        The final estimator's :meth:`~gan_ova.GANShieldedOvAClassifier.predict_uncertainty`:
        ``aleatoric``, ``epistemic``, ``p_in``, ``proba``, ... each with one
        entry per row of ``X``.

    Raises
    ------
    TypeError
        If the final estimator has no ``predict_uncertainty`` method (e.g. a
        scikit-learn classifier, or a ``CalibratedClassifierCV`` around a
        gan_ova model: calibration changes ``predict_proba`` only).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from gan_ova import predict_uncertainty
    >>> from gan_ova.baselines import SoftmaxClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> pipe = make_pipeline(StandardScaler(), SoftmaxClassifier(max_epochs=5, batch_size=48, random_state=0))
    >>> u = predict_uncertainty(pipe.fit(X, y), X[:3])
    >>> u.epistemic.shape, u.proba.shape
    ((3,), (3, 2))
    >>> predict_uncertainty(StandardScaler().fit(X), X)
    Traceback (most recent call last):
    ...
    TypeError: estimator: expected a fitted gan_ova estimator, or a Pipeline whose last step is one, got StandardScaler (no predict_uncertainty method).
    """
    transforms, method = uncertainty_step(estimator)
    for transform in transforms:
        X = transform.transform(X)
    return method(X)
