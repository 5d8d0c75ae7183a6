"""gan_ova.predict_uncertainty and scikit-learn's / MAPIE's composite tools around a fitted model."""

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

import gan_ova
from gan_ova import GANShieldedOvAClassifier, predict_uncertainty
from gan_ova.baselines import SoftmaxClassifier
from gan_ova.datasets import load_digits_images

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


@pytest.fixture(scope="module")
def digits_split():
    """All ten digits as (n, 1, 8, 8) images, split into train / calibration / test."""
    X, y = load_digits_images()
    idx = np.random.RandomState(0).permutation(len(X))
    tr, cal, te = idx[:900], idx[900:1350], idx[1350:]
    return (X[tr], y[tr]), (X[cal], y[cal]), (X[te], y[te])


@pytest.fixture(scope="module")
def digits_model(digits_split):
    (X, y), _, _ = digits_split
    return GANShieldedOvAClassifier(**dict(IMG, max_epochs=3)).fit(X, y)


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


# ----------------------------------------------------------------------
# scikit-learn's calibration around a fitted model
# ----------------------------------------------------------------------
def test_calibrated_classifier_cv_with_frozen_estimator(digits_model, digits_split):
    _, (X_cal, y_cal), (X_te, y_te) = digits_split
    cal = CalibratedClassifierCV(FrozenEstimator(digits_model), method="sigmoid").fit(X_cal, y_cal)
    proba = cal.predict_proba(X_te)
    assert proba.shape == (len(X_te), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert cal.score(X_te, y_te) >= 0.8
    # calibration changes predict_proba only: the uncertainties come from the model itself
    with pytest.raises(TypeError, match="no predict_uncertainty method"):
        predict_uncertainty(cal, X_te)
    assert predict_uncertainty(FrozenEstimator(digits_model), X_te[:3]).epistemic.shape == (3,)


# ----------------------------------------------------------------------
# MAPIE conformal prediction sets (flat rows: MAPIE compares X.shape[1] with n_features_in_)
# ----------------------------------------------------------------------
def test_image_models_accept_flat_rows_at_predict(digits_model, digits_split):
    """The recipe MAPIE needs: a model fitted on images predicts flat rows of C*H*W pixels identically."""
    (X, y), _, (X_te, _) = digits_split
    flat = X_te.reshape(len(X_te), -1)
    for method in ("predict_proba", "decision_function", "score_samples"):
        np.testing.assert_array_equal(getattr(digits_model, method)(flat), getattr(digits_model, method)(X_te))
    grey = SoftmaxClassifier(max_epochs=1, batch_size=64, random_state=0).fit(X[:, 0], y)  # fitted on (n, H, W)
    np.testing.assert_array_equal(grey.predict_proba(flat), grey.predict_proba(X_te[:, 0]))
    with pytest.raises(ValueError, match="60 features"):
        digits_model.predict_proba(flat[:, :60])


def test_mapie_split_conformal_sets_cover(digits_model, digits_split):
    classification = pytest.importorskip("mapie.classification")
    _, (X_cal, y_cal), (X_te, y_te) = digits_split
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    mapie = classification.SplitConformalClassifier(digits_model, confidence_level=0.9, prefit=True)
    mapie.conformalize(flat(X_cal), y_cal)
    y_pred, sets = mapie.predict_set(flat(X_te))
    np.testing.assert_array_equal(y_pred, digits_model.predict(X_te))
    coverage = sets[np.arange(len(y_te)), y_te, 0].mean()
    assert coverage >= 0.85, coverage  # target 0.9 (alpha = 0.1), on 447 held-out images
    assert sets[:, :, 0].sum(axis=1).mean() < 3  # informative sets, not all ten classes
