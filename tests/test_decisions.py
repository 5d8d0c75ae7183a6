"""gan_ova.decisions: reject option on the two uncertainties (pure functions and estimators)."""

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, PredefinedSplit, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import gan_ova
from gan_ova import GANShieldedOvAClassifier, predict_uncertainty
from gan_ova.baselines import SoftmaxClassifier
from gan_ova.datasets import load_digits_images, split_classes
from gan_ova.decisions import (
    FixedRejectClassifier,
    TunedRejectClassifier,
    accuracy_coverage_curve,
    select_reject_thresholds,
)

# dropout=0: with 2 epochs on 360 images, training dropout (the image default 0.5) leaves the
# epistemic score too little time to separate unseen digits; these tests are about the decisions
TINY = dict(cae_max_epochs=2, max_epochs=2, batch_size=64, latent_dim=8, noise_dim=8,
            generator_hidden=(32,), critic_hidden=(32,), dropout=0.0, random_state=0)


# ----------------------------------------------------------------------
# fixtures
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    """Digits 0-4 split 600 (fit) / 301 (test), and the unseen digits 5-9."""
    X, y = load_digits_images()
    X_in, y_in, X_out, _ = split_classes(X, y, "0-4")
    X_fit, X_test, y_fit, y_test = train_test_split(X_in, y_in, train_size=600, stratify=y_in, random_state=0)
    return X_fit, y_fit, X_test, y_test, X_out


@pytest.fixture(scope="module")
def tuned(digits):
    """A UQGAN (tiny budget) fitted on 360 known digits, thresholds at coverage 0.95 on the other 240."""
    X_fit, y_fit, *_ = digits
    return TunedRejectClassifier(GANShieldedOvAClassifier(**TINY), coverage=0.95, cv=0.4,
                                 random_state=0).fit(X_fit, y_fit)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=150, centers=[[-3, 0], [3, 0], [0, 4]], random_state=0)
    return X, y


def softmax(**kw):
    return SoftmaxClassifier(**{"max_epochs": 20, "batch_size": 32, "random_state": 0, **kw})


@pytest.fixture(scope="module")
def blob_model(blobs):
    return softmax().fit(*blobs)


# ----------------------------------------------------------------------
# pure functions, hand-computed
# ----------------------------------------------------------------------
def test_accuracy_coverage_curve_hand_computed_with_ties():
    # sorted scores: 0.1 (right), 0.4 (right), 0.4 (right), 0.9 (wrong)
    coverage, accuracy, thresholds = accuracy_coverage_curve([0, 1, 1, 0], [0, 1, 0, 0], [0.1, 0.4, 0.9, 0.4])
    np.testing.assert_allclose(coverage, [0.25, 0.75, 1.0])
    np.testing.assert_allclose(accuracy, [1.0, 1.0, 0.75])
    np.testing.assert_allclose(thresholds, [0.1, 0.4, 0.9])


def test_accuracy_coverage_curve_matches_brute_force():
    rng = np.random.RandomState(0)
    y_true, y_pred = rng.randint(0, 3, 50), rng.randint(0, 3, 50)
    score = rng.randint(0, 10, 50) / 10.0  # many ties
    coverage, accuracy, thresholds = accuracy_coverage_curve(y_true, y_pred, score)
    for c, a, t in zip(coverage, accuracy, thresholds):
        keep = score <= t
        assert c == pytest.approx(keep.mean())
        assert a == pytest.approx((y_true == y_pred)[keep].mean())
    np.testing.assert_array_equal(thresholds, np.unique(score))


def test_select_coverage_hand_computed():
    y_true, y_pred = [0, 0, 1, 1, 0], [0, 0, 1, 0, 1]
    score = [0.1, 0.2, 0.3, 0.8, 0.9]
    r = select_reject_thresholds(y_true, y_pred, epistemic=score, coverage=0.6)
    assert (r.epistemic_threshold, r.aleatoric_threshold, r.coverage, r.accuracy) == (0.3, None, 0.6, 1.0)
    r = select_reject_thresholds(y_true, y_pred, epistemic=score, coverage=0.5)  # ceil(2.5) = 3 kept
    assert (r.epistemic_threshold, r.coverage) == (0.3, 0.6)
    r = select_reject_thresholds(y_true, y_pred, epistemic=score, coverage=1.0)
    assert (r.epistemic_threshold, r.coverage, r.accuracy) == (0.9, 1.0, 0.6)
    # coverage=None and target_accuracy=None mean coverage 0.95: keep ceil(4.75) = 5
    assert select_reject_thresholds(y_true, y_pred, aleatoric=score).aleatoric_threshold == 0.9


def test_select_target_accuracy_hand_computed():
    y_true, y_pred = [0, 0, 1, 1, 0], [0, 0, 1, 0, 1]
    score = [0.1, 0.2, 0.3, 0.8, 0.9]  # kept accuracies 1, 1, 1, 3/4, 3/5
    r = select_reject_thresholds(y_true, y_pred, aleatoric=score, target_accuracy=0.75)
    assert (r.aleatoric_threshold, r.coverage, r.accuracy) == (0.8, 0.8, 0.75)
    r = select_reject_thresholds(y_true, y_pred, aleatoric=score, target_accuracy=0.9)
    assert (r.aleatoric_threshold, r.coverage, r.accuracy) == (0.3, 0.6, 1.0)
    r = select_reject_thresholds(y_true, y_pred, aleatoric=score, target_accuracy=0.5)
    assert (r.aleatoric_threshold, r.coverage) == (0.9, 1.0)


def test_select_both_uses_the_same_rank_for_both_scores():
    y = [0, 0, 0, 0]
    epistemic = [0.1, 0.2, 0.3, 0.4]
    aleatoric = [0.4, 0.1, 0.2, 0.3]
    # rank 1: e<=0.1 & a<=0.1 keeps nothing; rank 2: e<=0.2 & a<=0.2 keeps {1};
    # rank 3: e<=0.3 & a<=0.3 keeps {1, 2}; rank 4 keeps all.
    r = select_reject_thresholds(y, y, epistemic=epistemic, aleatoric=aleatoric, coverage=0.5)
    assert (r.epistemic_threshold, r.aleatoric_threshold, r.coverage) == (0.3, 0.3, 0.5)
    r = select_reject_thresholds(y, y, epistemic=epistemic, aleatoric=aleatoric, coverage=0.25)
    assert (r.epistemic_threshold, r.aleatoric_threshold, r.coverage) == (0.2, 0.2, 0.25)


def test_select_target_accuracy_is_the_largest_coverage_reaching_it():
    rng = np.random.RandomState(1)
    y_true = rng.randint(0, 2, 200)
    score = rng.rand(200)
    y_pred = np.where(rng.rand(200) < 1 - score, y_true, 1 - y_true)  # errors rise with the score
    for target in (0.7, 0.8, 0.9):
        r = select_reject_thresholds(y_true, y_pred, epistemic=score, target_accuracy=target)
        coverage, accuracy, thresholds = accuracy_coverage_curve(y_true, y_pred, score)
        best = np.flatnonzero(accuracy >= target)[-1]
        assert (r.epistemic_threshold, r.coverage, r.accuracy) == (thresholds[best], coverage[best], accuracy[best])


def test_select_unreachable_target_warns_and_uses_best_accuracy():
    y_true, y_pred = [0, 0, 1, 1], [1, 0, 0, 1]
    score = [0.1, 0.2, 0.3, 0.4]  # kept accuracies 0, 1/2, 1/3, 1/2
    msg = ("target_accuracy: 0.9 is not reached on the 4 validation examples at any threshold (the best "
           "accuracy is 0.500, keeping 100.0% of them); using the thresholds of that best accuracy. "
           "Lower target_accuracy, or use coverage.")
    with pytest.warns(UserWarning, match=re.escape(msg)):
        r = select_reject_thresholds(y_true, y_pred, epistemic=score, target_accuracy=0.9)
    assert (r.epistemic_threshold, r.coverage, r.accuracy) == (0.4, 1.0, 0.5)


def test_select_ties_above_requested_coverage_warn():
    score = [0.0] * 8 + [0.5, 0.9]
    y = [0] * 10
    msg = ("coverage: no threshold keeps 0.5 of the 10 examples (tied scores); the smallest that keeps at "
           "least that many keeps 0.800 of them.")
    with pytest.warns(UserWarning, match=re.escape(msg)):
        r = select_reject_thresholds(y, y, epistemic=score, coverage=0.5)
    assert (r.epistemic_threshold, r.coverage) == (0.0, 0.8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no tie: no warning
        select_reject_thresholds(y, y, epistemic=np.arange(10.0), coverage=0.5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(coverage=0), "coverage: expected a number in (0, 1], got 0."),
        (dict(coverage=1.5), "coverage: expected a number in (0, 1], got 1.5."),
        (dict(coverage=float("nan")), "coverage: expected a number in (0, 1], got nan."),
        (dict(coverage=True), "coverage: expected a number in (0, 1], got True."),
        (dict(target_accuracy=0.0), "target_accuracy: expected a number in (0, 1], got 0.0."),
        (dict(target_accuracy="high"), "target_accuracy: expected a number in (0, 1], got 'high'."),
        (dict(coverage=0.9, target_accuracy=0.99),
         "coverage, target_accuracy: expected at most one of them (keep a fraction of the known inputs, or "
         "reach an accuracy on the kept ones), got coverage=0.9 and target_accuracy=0.99."),
        (dict(epistemic=None), "epistemic, aleatoric: expected at least one score array, got None for both."),
        (dict(epistemic=[0.1, 0.2]), "epistemic: expected a 1-D array of 3 values (one per example), got shape (2,)."),
        (dict(aleatoric=[0.1, np.nan, 0.2]), "aleatoric: expected finite values, got 1 NaN or infinite value(s)."),
    ],
)
def test_select_errors(kwargs, message):
    kwargs = {"epistemic": [0.1, 0.2, 0.3], **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        select_reject_thresholds([0, 1, 1], [0, 1, 0], **kwargs)


def test_curve_errors():
    with pytest.raises(ValueError, match=re.escape("y_true, y_pred: expected two 1-D arrays of the same length, "
                                                   "got shapes (3,) and (2,).")):
        accuracy_coverage_curve([0, 1, 1], [0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=re.escape("y_true: expected at least one example, got 0.")):
        accuracy_coverage_curve([], [], [])


# ----------------------------------------------------------------------
# TunedRejectClassifier on digits: what the thresholds promise
# ----------------------------------------------------------------------
def test_tuned_coverage_holds_on_a_fresh_split(tuned, digits):
    *_, X_test, y_test, _ = digits
    assert tuned.n_validation_ == 240
    assert 0.95 <= tuned.validation_coverage_ < 0.96
    assert tuned.aleatoric_threshold_ is None and 0 < tuned.epistemic_threshold_ < 1
    kept = ~tuned.predict_reject(X_test)
    assert abs(kept.mean() - 0.95) <= 0.05, kept.mean()


def test_tuned_rejects_unseen_digits_more_than_known(tuned, digits):
    *_, X_test, _, X_out = digits
    rejected_known = (tuned.predict(X_test) == -1).mean()
    rejected_unseen = (tuned.predict(X_out) == -1).mean()
    assert rejected_unseen > rejected_known + 0.2, (rejected_known, rejected_unseen)


def test_tuned_mask_agrees_with_predict_and_inner_model(tuned, digits):
    *_, X_test, _, _ = digits
    y_pred, rejected = tuned.predict(X_test), tuned.predict_reject(X_test)
    np.testing.assert_array_equal(y_pred == tuned.reject_label, rejected)
    np.testing.assert_array_equal(y_pred[~rejected], tuned.estimator_.predict(X_test)[~rejected])
    u = tuned.predict_uncertainty(X_test)
    np.testing.assert_array_equal(rejected, u.epistemic > tuned.epistemic_threshold_)
    np.testing.assert_allclose(tuned.predict_proba(X_test), tuned.estimator_.predict_proba(X_test))
    assert y_pred.dtype == tuned.classes_.dtype and set(tuned.classes_) == {0, 1, 2, 3, 4}
    assert tuned.score(X_test, digits[3]) == pytest.approx(np.mean(y_pred == digits[3]))  # rejections count as errors


def test_tuned_target_accuracy_met_on_validation_data(tuned, digits):
    *_, X_test, y_test, _ = digits
    X_val, y_val = X_test[:150], y_test[:150]
    clf = TunedRejectClassifier(FrozenEstimator(tuned.estimator_), uncertainty="aleatoric", target_accuracy=0.97,
                                cv="prefit").fit(X_val, y_val)
    assert clf.epistemic_threshold_ is None
    y_pred = clf.predict(X_val)
    kept = y_pred != -1
    assert clf.validation_accuracy_ >= 0.97
    assert np.mean(y_pred[kept] == y_val[kept]) == pytest.approx(clf.validation_accuracy_)
    assert kept.mean() == pytest.approx(clf.validation_coverage_)
    plain_accuracy = np.mean(tuned.estimator_.predict(X_val) == y_val)
    assert plain_accuracy < 0.97 < 1  # the target needs rejections at this budget


def test_tuned_both_scores(tuned, digits):
    *_, X_test, y_test, X_out = digits
    clf = TunedRejectClassifier(FrozenEstimator(tuned.estimator_), uncertainty="both", coverage=0.9,
                                cv="prefit").fit(X_test, y_test)
    assert clf.validation_coverage_ >= 0.9
    u = clf.predict_uncertainty(X_out)
    expected = (u.epistemic > clf.epistemic_threshold_) | (u.aleatoric > clf.aleatoric_threshold_)
    np.testing.assert_array_equal(clf.predict_reject(X_out), expected)


def test_tuned_unreachable_target_warns(tuned, digits):
    *_, X_test, y_test, _ = digits
    wrong = (tuned.estimator_.predict(X_test[:50]) + 1) % 5  # every prediction is wrong
    msg = ("target_accuracy: 0.9 is not reached on the 50 validation examples at any threshold (the best "
           "accuracy is 0.000, keeping 100.0% of them)")
    with pytest.warns(UserWarning, match=re.escape(msg)):
        clf = TunedRejectClassifier(tuned.estimator_, target_accuracy=0.9, cv="prefit").fit(X_test[:50], wrong)
    assert clf.validation_coverage_ == 1.0 and clf.validation_accuracy_ == 0.0


def test_tuned_pickle_round_trip(tuned, digits):
    X_test = digits[2][:40]
    again = pickle.loads(pickle.dumps(tuned))
    np.testing.assert_array_equal(again.predict(X_test), tuned.predict(X_test))
    assert again.epistemic_threshold_ == tuned.epistemic_threshold_


def test_tuned_on_a_pipeline_ending_in_uqgan(digits):
    X_fit, y_fit, X_test, _, X_out = digits
    flat = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    pipe = make_pipeline(flat, GANShieldedOvAClassifier(image_shape=(1, 8, 8), **TINY))
    clf = TunedRejectClassifier(pipe, coverage=0.9, cv=0.4, random_state=0).fit(X_fit, y_fit)
    assert clf.validation_coverage_ >= 0.9
    rejected = clf.predict(X_out) == -1
    np.testing.assert_array_equal(rejected, clf.predict_reject(X_out))
    assert predict_uncertainty(clf, X_out[:3]).epistemic.shape == (3,)


# ----------------------------------------------------------------------
# FixedRejectClassifier
# ----------------------------------------------------------------------
def test_fixed_with_a_fitted_estimator_needs_no_fit(tuned, digits):
    *_, X_test, _, X_out = digits
    model = tuned.estimator_
    clf = FixedRejectClassifier(model, epistemic_threshold=tuned.epistemic_threshold_)
    np.testing.assert_array_equal(clf.predict(X_out), tuned.predict(X_out))
    np.testing.assert_array_equal(clf.classes_, model.classes_)
    # no thresholds: no rejection, the inner prediction
    np.testing.assert_array_equal(FixedRejectClassifier(model).predict(X_test), model.predict(X_test))
    # fit with a FrozenEstimator keeps the fitted model
    frozen = FixedRejectClassifier(FrozenEstimator(model), aleatoric_threshold=0.5).fit(X_test, digits[3])
    assert frozen.estimator_.estimator is model


def test_fixed_fit_fits_a_clone_in_a_pipeline(blobs):
    X, y = blobs
    inner = make_pipeline(StandardScaler(), softmax())
    clf = FixedRejectClassifier(inner, aleatoric_threshold=0.3).fit(X, y)
    assert not hasattr(inner[-1], "classes_")  # the given pipeline is untouched
    assert clf.n_features_in_ == 2
    u = predict_uncertainty(clf.estimator_, X)
    np.testing.assert_array_equal(clf.predict_reject(X), u.aleatoric > 0.3)
    outer = make_pipeline(StandardScaler(), FixedRejectClassifier(softmax(), epistemic_threshold=0.5)).fit(X, y)
    assert set(np.unique(outer.predict(X))) <= {-1, 0, 1, 2}
    assert predict_uncertainty(outer, X[:4]).aleatoric.shape == (4,)


def test_unfitted_raise_not_fitted(blobs):
    X, _ = blobs
    for clf in (FixedRejectClassifier(softmax(), epistemic_threshold=0.5), TunedRejectClassifier(softmax())):
        for method in (clf.predict, clf.predict_reject, clf.predict_proba, clf.predict_uncertainty):
            with pytest.raises(NotFittedError):
                method(X)
        assert not hasattr(clf, "classes_")


# ----------------------------------------------------------------------
# reject labels
# ----------------------------------------------------------------------
def test_string_classes_need_a_string_reject_label(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "emu"])[y]
    clf = FixedRejectClassifier(softmax(), aleatoric_threshold=0.2, reject_label="unknown").fit(X, names)
    y_pred = clf.predict(X)
    assert y_pred.dtype == np.dtype("<U7") and "unknown" in y_pred  # widened, not truncated to '<U3'
    assert set(y_pred) <= {"cat", "dog", "emu", "unknown"}
    msg = ("reject_label: expected a str like the classes ['cat', 'dog', 'emu'], got -1 (int); "
           "pass e.g. reject_label='unknown'.")
    with pytest.raises(ValueError, match=re.escape(msg)):
        FixedRejectClassifier(softmax(), aleatoric_threshold=0.2).fit(X, names)
    with pytest.raises(ValueError, match=re.escape(msg)):
        TunedRejectClassifier(softmax()).fit(X, names)  # before fitting anything


def test_reject_label_must_not_be_a_class(blob_model, blobs):
    X, y = blobs
    msg = ("reject_label: expected a value that is not one of the classes [0, 1, 2], got 2; a rejection "
           "would be indistinguishable from a prediction.")
    with pytest.raises(ValueError, match=re.escape(msg)):
        FixedRejectClassifier(blob_model, epistemic_threshold=0.5, reject_label=2).predict(X)
    with pytest.raises(ValueError, match=re.escape(msg)):
        TunedRejectClassifier(softmax(), reject_label=2).fit(X, y)
    with pytest.raises(ValueError, match=re.escape("reject_label: expected an int like the classes [0, 1, 2], "
                                                   "got 0.5 (float); pass e.g. reject_label=-1.")):
        FixedRejectClassifier(blob_model, reject_label=0.5).predict(X)


def test_numeric_reject_labels(blobs):
    X, y = blobs
    small = softmax().fit(X, y.astype(np.uint8))
    y_pred = FixedRejectClassifier(small, aleatoric_threshold=0.05).predict(X)
    assert y_pred.dtype.kind == "i" and -1 in y_pred  # uint8 classes widen to a signed int
    shifted = softmax().fit(X, y - 1)  # classes -1, 0, 1: suggest a free label
    with pytest.raises(ValueError, match=re.escape("got -1; a rejection")):
        FixedRejectClassifier(shifted).predict(X)
    y_pred = FixedRejectClassifier(shifted, aleatoric_threshold=0.05, reject_label=99).predict(X)
    assert 99 in y_pred
    floats = softmax().fit(X, y.astype(float))
    assert FixedRejectClassifier(floats, aleatoric_threshold=0.05).predict(X).dtype == np.float64


# ----------------------------------------------------------------------
# parameter errors
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, error, message",
    [
        (dict(uncertainty="ood"), ValueError, "uncertainty: expected one of ['epistemic', 'aleatoric', 'both'], got 'ood'."),
        (dict(coverage=0.0), ValueError, "coverage: expected a number in (0, 1], got 0.0."),
        (dict(target_accuracy=1.2), ValueError, "target_accuracy: expected a number in (0, 1], got 1.2."),
        (dict(cv=1.5), ValueError, "cv: expected a fraction in (0, 1), 'prefit' or a splitter with one split, got 1.5."),
        (dict(cv=5), ValueError, "cv: expected a fraction in (0, 1), 'prefit' or a splitter with one split, got 5 "
                                 "with 5 splits (the thresholds are chosen for one fitted model)."),
        (dict(cv="prefit", refit=True), ValueError,
         "refit: expected False with cv='prefit' (a prefit estimator is not refitted), got True."),
        (dict(refit="yes"), ValueError, "refit: expected True or False, got 'yes'."),
        (dict(cv="prefit"), NotFittedError, "estimator: expected a fitted estimator with cv='prefit', got an "
                                            "unfitted SoftmaxClassifier; fit it first, or use cv=0.2."),
    ],
)
def test_tuned_parameter_errors(blobs, params, error, message):
    with pytest.raises(error, match=re.escape(message)):
        TunedRejectClassifier(softmax(), **params).fit(*blobs)


@pytest.mark.parametrize("name", ["epistemic_threshold", "aleatoric_threshold"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.5"])
def test_fixed_threshold_errors(blob_model, blobs, name, value):
    msg = f"{name}: expected a finite number or None, got {value!r}."
    with pytest.raises(ValueError, match=re.escape(msg)):
        FixedRejectClassifier(blob_model, **{name: value}).predict(blobs[0])
    with pytest.raises(ValueError, match=re.escape(msg)):
        FixedRejectClassifier(softmax(), **{name: value}).fit(*blobs)


def test_estimator_without_uncertainty_fails_before_fitting(blobs):
    msg = ("estimator: expected a gan_ova estimator, or a Pipeline whose last step is one, got Pipeline whose "
           "final estimator is LogisticRegression (no predict_uncertainty method).")
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    for clf in (TunedRejectClassifier(pipe), FixedRejectClassifier(pipe)):
        with pytest.raises(TypeError, match=re.escape(msg)):
            clf.fit(*blobs)
        assert not hasattr(pipe[0], "mean_")  # nothing was fitted


# ----------------------------------------------------------------------
# scikit-learn conventions
# ----------------------------------------------------------------------
def test_params_clone_and_nested_set_params():
    clf = TunedRejectClassifier(softmax(), uncertainty="both", target_accuracy=0.99, cv=0.3, random_state=1)
    params = clf.get_params()
    assert params["uncertainty"] == "both" and params["coverage"] is None and params["estimator__max_epochs"] == 20
    clf.set_params(estimator__max_epochs=3, reject_label=-9)
    assert clf.estimator.max_epochs == 3 and clf.reject_label == -9
    twin = clone(clf)
    assert twin.get_params()["estimator__max_epochs"] == 3 and twin.estimator is not clf.estimator
    fixed = clone(FixedRejectClassifier(softmax(), epistemic_threshold=0.25))
    assert fixed.get_params()["epistemic_threshold"] == 0.25


def test_tuned_with_predefined_split_and_refit(blobs):
    X, y = blobs
    fold = np.where(np.arange(len(y)) % 4 == 0, 0, -1)  # every 4th example held out
    clf = TunedRejectClassifier(softmax(), coverage=0.8, cv=PredefinedSplit(fold), refit=True).fit(X, y)
    assert clf.n_validation_ == 38 and clf.validation_coverage_ >= 0.8
    assert clf.n_features_in_ == 2


def test_grid_search_over_tuned(blobs):
    X, y = blobs
    search = GridSearchCV(TunedRejectClassifier(softmax(max_epochs=5), random_state=0),
                          {"coverage": [0.8, 0.95], "estimator__max_epochs": [3, 5]}, cv=2).fit(X, y)
    assert search.cv_results_["mean_test_score"].shape == (4,)
    assert isinstance(search.best_estimator_, TunedRejectClassifier)
    assert predict_uncertainty(search, X[:2]).epistemic.shape == (2,)


def test_public_api():
    assert gan_ova.FixedRejectClassifier is FixedRejectClassifier
    assert gan_ova.TunedRejectClassifier is TunedRejectClassifier
    assert {"FixedRejectClassifier", "TunedRejectClassifier"} <= set(gan_ova.__all__)



_CHECK_KW = {"max_epochs": 5, "batch_size": 8, "lr": 1e-2, "random_state": 0, "backbone_kwargs": {"hidden": (16,)}}


def _expected_failed_checks(estimator):
    failed = {"check_classifiers_classes": "the default reject_label=-1 is refused for string classes "
                                           "(a ValueError asks for a string such as 'unknown')"}
    if isinstance(estimator, TunedRejectClassifier):
        failed["check_classifiers_train"] = (
            "coverage=1.0 keeps every held-out input, but test inputs more uncertain than all of them are "
            "rejected by design, so predict differs from the argmax of predict_proba on a few rows")
        failed["check_classifiers_train(readonly_memmap=True)"] = failed["check_classifiers_train"]
        failed["check_classifiers_train(readonly_memmap=True,X_dtype=float32)"] = failed["check_classifiers_train"]
    return failed


@parametrize_with_checks(
    [FixedRejectClassifier(SoftmaxClassifier(**_CHECK_KW)),
     TunedRejectClassifier(SoftmaxClassifier(**_CHECK_KW), coverage=1.0, random_state=0)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
