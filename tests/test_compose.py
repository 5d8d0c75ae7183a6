"""gan_ova.predict_uncertainty: uncertainties through Pipelines and fitted searches."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

import gan_ova
from gan_ova import GANShieldedOvAClassifier, predict_uncertainty
from gan_ova.baselines import SoftmaxClassifier

IMG = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, latent_dim=8, cae_max_epochs=2, max_epochs=2, batch_size=32, random_state=0)
# kw_args instead of a lambda: the pipeline stays picklable
CLIP = FunctionTransformer(np.clip, kw_args={"a_min": 0.0, "a_max": 16.0})


@pytest.fixture(scope="module")
def flat_digits():
    """scikit-learn's raw digits 0-4: flat rows of 64 pixels in 0..16."""
    X, y = load_digits(return_X_y=True)
    keep = np.flatnonzero(y < 5)[:200]
    return X[keep], y[keep]


@pytest.fixture(scope="module")
def pipe(flat_digits):
    X, y = flat_digits
    return Pipeline([("clip", CLIP), ("uqgan", GANShieldedOvAClassifier(image_shape=(1, 8, 8), pixel_scale=16, **IMG))]).fit(X, y)


# ----------------------------------------------------------------------
# predict_uncertainty
# ----------------------------------------------------------------------
def test_exported_from_the_package():
    assert "predict_uncertainty" in gan_ova.__all__ and gan_ova.predict_uncertainty is predict_uncertainty


def test_pipeline_itself_has_no_predict_uncertainty(pipe, flat_digits):
    """The reason for the helper: Pipeline forwards only the methods it knows."""
    with pytest.raises(AttributeError):
        pipe.predict_uncertainty(flat_digits[0])


def test_pipeline_equals_the_manual_workaround(pipe, flat_digits):
    X, _ = flat_digits
    u = predict_uncertainty(pipe, X)
    expected = pipe[-1].predict_uncertainty(pipe[:-1].transform(X))
    assert set(u) == set(expected)
    for key in ("aleatoric", "epistemic", "p_in", "proba"):
        np.testing.assert_array_equal(u[key], expected[key])
    np.testing.assert_array_equal(u.proba, pipe.predict_proba(X))  # consistent with the pipeline's own methods


def test_plain_estimator_nested_pipeline_and_grid_search(pipe, flat_digits):
    X, y = flat_digits
    clf = pipe[-1]
    Xt = pipe[:-1].transform(X)
    np.testing.assert_array_equal(predict_uncertainty(clf, Xt).epistemic, clf.predict_uncertainty(Xt).epistemic)
    # a one-step pipeline, and a pipeline nested as the last step of another
    np.testing.assert_array_equal(predict_uncertainty(Pipeline([("uqgan", clf)]), Xt).epistemic, clf.predict_uncertainty(Xt).epistemic)
    nested = Pipeline([("identity", FunctionTransformer()), ("inner", pipe)])
    np.testing.assert_array_equal(predict_uncertainty(nested, X).epistemic, predict_uncertainty(pipe, X).epistemic)
    # a fitted search: its best_estimator_
    search = GridSearchCV(
        make_pipeline(CLIP, SoftmaxClassifier(image_shape=(1, 8, 8), pixel_scale=16, max_epochs=1, batch_size=32, random_state=0)),
        {"softmaxclassifier__lr": [1e-3]},
        cv=2,
    ).fit(X, y)
    u = predict_uncertainty(search, X[:7])
    assert u.epistemic.shape == (7,) and u.proba.shape == (7, 5)
    np.testing.assert_array_equal(u.epistemic, predict_uncertainty(search.best_estimator_, X[:7]).epistemic)


def test_final_step_without_predict_uncertainty_is_a_type_error(pipe, flat_digits):
    X, y = flat_digits
    sk = make_pipeline(CLIP, LogisticRegression(max_iter=50)).fit(X, y)
    with pytest.raises(TypeError, match=r"estimator: expected a fitted gan_ova estimator, or a Pipeline whose last step is one, got Pipeline whose final estimator is LogisticRegression \(no predict_uncertainty method\)\."):
        predict_uncertainty(sk, X)
    with pytest.raises(TypeError, match=r"got LogisticRegression \(no predict_uncertainty method\)"):
        predict_uncertainty(sk[-1], X)
    with pytest.raises(TypeError, match="got Pipeline whose final estimator is 'passthrough'"):
        predict_uncertainty(Pipeline([("clip", CLIP), ("last", "passthrough")]), X)
