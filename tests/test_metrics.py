"""Tests for gan_ova.metrics (pure numpy, fast)."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.utils import Bunch

from gan_ova.metrics import (
    accuracy,
    aupr_in,
    aupr_out,
    evaluate,
    expected_calibration_error,
    fp_detection_auroc,
    fpr_at_95_tpr,
    ood_auroc,
    reliability_bins,
)

OOD_FUNCS = [ood_auroc, aupr_in, aupr_out, fpr_at_95_tpr]


# ---------------------------------------------------------------------------
# accuracy
# ---------------------------------------------------------------------------
def test_accuracy_hand():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    assert accuracy(np.array(["a", "b"]), np.array(["a", "b"])) == 1.0
    assert isinstance(accuracy([1], [0]), float)


def test_accuracy_errors():
    with pytest.raises(ValueError, match=r"accuracy: y_pred: expected the same length as y_true \(2\), got 3\."):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="accuracy: y_pred: expected a 1-D array"):
        accuracy([0, 1], [[0, 1]])
    with pytest.raises(ValueError, match="accuracy: y_true: expected a non-empty"):
        accuracy([], [])


# ---------------------------------------------------------------------------
# ECE
# ---------------------------------------------------------------------------
def test_ece_hand_four_examples():
    # 3 classes, n_bins=4 -> edges 0, .25, .5, .75, 1
    # ex0: conf .4 (pred 0, y 0, correct)  -> bin (.25, .5]
    # ex1: conf .5 (pred 1, y 2, wrong)    -> bin (.25, .5]  (right-closed)
    # ex2: conf .7 (pred 2, y 2, correct)  -> bin (.5, .75]
    # ex3: conf 1. (pred 0, y 1, wrong)    -> bin (.75, 1]
    proba = [
        [0.4, 0.3, 0.3],
        [0.25, 0.5, 0.25],
        [0.1, 0.2, 0.7],
        [1.0, 0.0, 0.0],
    ]
    y = [0, 2, 2, 1]
    # bin (.25,.5]: acc 1/2, conf .45 -> 2/4 * .05 = .025
    # bin (.5,.75]: acc 1, conf .7    -> 1/4 * .3  = .075
    # bin (.75,1]:  acc 0, conf 1     -> 1/4 * 1   = .25
    expected = 0.025 + 0.075 + 0.25
    assert expected_calibration_error(y, proba, n_bins=4) == pytest.approx(expected)
    # one bin: |acc - mean conf| = |0.5 - 2.6/4| = 0.15
    assert expected_calibration_error(y, proba, n_bins=1) == pytest.approx(0.15)


def test_ece_zero_confidence_goes_to_first_bin_and_perfect_calibration():
    # all-zero row: confidence 0, argmax 0 -> first bin, wrong -> |0 - 0| = 0
    proba = np.array([[0.0, 0.0], [1.0, 0.0]])
    assert expected_calibration_error([1, 0], proba, n_bins=3) == 0.0


def test_ece_random_matches_naive_loop():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 4))
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = rng.integers(0, 4, size=50)
    n_bins = 7
    conf, pred = proba.max(1), proba.argmax(1)
    ece = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        m = (conf > lo) & (conf <= hi) if b > 0 else (conf >= lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    assert expected_calibration_error(y, proba, n_bins=n_bins) == pytest.approx(ece)


@pytest.mark.parametrize("n_bins", [0, -1, 2.5, True, "3"])
def test_ece_bad_n_bins(n_bins):
    with pytest.raises(ValueError, match=r"expected_calibration_error: n_bins: expected (an int|a value >= 1), got"):
        expected_calibration_error([0], [[1.0, 0.0]], n_bins=n_bins)


def test_ece_validation():
    with pytest.raises(ValueError, match=r"expected_calibration_error: proba: expected a non-empty 2-D array .*got an array of shape \(2,\)"):
        expected_calibration_error([0, 1], [0.2, 0.8])
    with pytest.raises(ValueError, match=r"expected_calibration_error: proba: expected probabilities in \[0, 1\], got values in \[-0.5, 1.5\]"):
        expected_calibration_error([0], [[1.5, -0.5]])
    with pytest.raises(ValueError, match=r"expected_calibration_error: proba: expected finite probabilities, got 1 non-finite value\(s\)"):
        expected_calibration_error([0], [[np.nan, 0.5]])
    with pytest.raises(ValueError, match=r"expected_calibration_error: y_true: expected class indices in 0\.\.1 .*got 2 at index 0\."):
        expected_calibration_error([2], [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"expected_calibration_error: y_true: expected integer class indices 0\.\.K-1.*got dtype"):
        expected_calibration_error(["a"], [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"expected_calibration_error: proba: expected the same length as y_true \(2\), got 1\."):
        expected_calibration_error([0, 1], [[0.5, 0.5]])


# ---------------------------------------------------------------------------
# misclassification detection
# ---------------------------------------------------------------------------
def test_fp_auroc_hand_and_sklearn():
    assert fp_detection_auroc([0, 1, 1, 0], [0, 1, 0, 1], [0.1, 0.3, 0.7, 0.2]) == 0.75
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 40)
    yp = rng.integers(0, 3, 40)
    a = rng.random(40)
    assert fp_detection_auroc(y, yp, a) == pytest.approx(roc_auc_score(y != yp, a))


def test_fp_auroc_single_class_and_nan():
    with pytest.raises(ValueError, match="fp_detection_auroc: y_pred: expected both correctly classified and misclassified.*got only correct"):
        fp_detection_auroc([0, 1], [0, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="fp_detection_auroc: y_pred: expected both correctly classified and misclassified.*got only misclassified"):
        fp_detection_auroc([0, 1], [1, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="fp_detection_auroc: aleatoric: expected finite scores, got 1 non-finite"):
        fp_detection_auroc([0, 1], [0, 0], [np.nan, 0.2])
    with pytest.raises(ValueError, match=r"fp_detection_auroc: aleatoric: expected the same length as y_true \(2\), got 1\."):
        fp_detection_auroc([0, 1], [0, 0], [0.1])


# ---------------------------------------------------------------------------
# OoD detection
# ---------------------------------------------------------------------------
def test_ood_perfect_and_reversed():
    e_in, e_out = [0.1, 0.2, 0.3], [0.7, 0.8]
    assert ood_auroc(e_in, e_out) == 1.0
    assert aupr_in(e_in, e_out) == 1.0
    assert aupr_out(e_in, e_out) == 1.0
    assert fpr_at_95_tpr(e_in, e_out) == 0.0
    assert ood_auroc(e_out, e_in) == 0.0
    assert fpr_at_95_tpr(e_out, e_in) == 1.0


def test_ood_hand_values():
    e_in, e_out = [0.1, 0.2, 0.6], [0.5, 0.9]
    assert ood_auroc(e_in, e_out) == pytest.approx(5 / 6)
    assert aupr_in(e_in, e_out) == pytest.approx(11 / 12)
    assert aupr_out(e_in, e_out) == pytest.approx(5 / 6)


def test_fpr95_hand():
    e_in, e_out = [0.1, 0.2, 0.3, 0.8], [0.25, 0.5, 0.9, 0.95]
    assert fpr_at_95_tpr(e_in, e_out, tpr=0.75) == 0.25
    assert fpr_at_95_tpr(e_in, e_out, tpr=0.5) == 0.0
    assert fpr_at_95_tpr(e_in, e_out) == 0.5  # 95% of 4 -> all 4 kept
    assert fpr_at_95_tpr(e_in, e_out, tpr=1) == 0.5
    # 20 in-dist scores 0..19, TPR 0.95 exactly reached with 19 of 20 kept
    e_in = np.arange(20.0)
    e_out = np.array([5.5, 18.5, 19.5, 30.0])
    assert fpr_at_95_tpr(e_in, e_out) == 0.25  # only 5.5 accepted (<= 18)


def test_ood_matches_sklearn_random():
    rng = np.random.default_rng(0)
    e_in = rng.normal(0.0, 1.0, 60)
    e_out = rng.normal(1.0, 1.0, 40)
    lab_out = np.r_[np.zeros(60), np.ones(40)]
    s = np.r_[e_in, e_out]
    assert ood_auroc(e_in, e_out) == pytest.approx(roc_auc_score(lab_out, s))
    assert aupr_out(e_in, e_out) == pytest.approx(average_precision_score(lab_out, s))
    assert aupr_in(e_in, e_out) == pytest.approx(
        average_precision_score(1 - lab_out, -s)
    )
    # fpr95 by brute force over thresholds on -e
    thr = np.sort(-e_in)[::-1]
    expected = next(
        np.mean(-e_out >= t) for t in thr if np.mean(-e_in >= t) >= 0.95
    )
    assert fpr_at_95_tpr(e_in, e_out) == pytest.approx(expected)
    for f in OOD_FUNCS:
        v = f(e_in, e_out)
        assert isinstance(v, float) and 0.0 <= v <= 1.0


@pytest.mark.parametrize("func", OOD_FUNCS)
def test_ood_single_class_errors(func):
    name = func.__name__
    with pytest.raises(ValueError, match=f"{name}: epistemic_out: expected both in-distribution and out-of-distribution scores, got .*epistemic_out is empty"):
        func([0.1, 0.2], [])
    with pytest.raises(ValueError, match=f"{name}: epistemic_in: expected both in-distribution and out-of-distribution scores, got .*epistemic_in is empty"):
        func([], [0.1])


@pytest.mark.parametrize("func", OOD_FUNCS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_ood_nonfinite_raises(func, bad):
    with pytest.raises(ValueError, match="epistemic_out.*non-finite"):
        func([0.1, 0.2], [0.3, bad])
    with pytest.raises(ValueError, match="epistemic_in.*non-finite"):
        func([bad, 0.2], [0.3])


def test_ood_shape_errors():
    with pytest.raises(ValueError, match="epistemic_in.*1-D.*shape"):
        ood_auroc([[0.1, 0.2]], [0.3])


@pytest.mark.parametrize("tpr", [0, -0.1, 1.01, np.nan, "0.9"])
def test_fpr95_bad_tpr(tpr):
    with pytest.raises(ValueError, match=r"fpr_at_95_tpr: tpr: expected a number with 0 < tpr <= 1, got"):
        fpr_at_95_tpr([0.1], [0.2], tpr=tpr)


# ---------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------
class FakeEstimator:
    """Columns 0..2 of X are the probabilities, 3 aleatoric, 4 epistemic."""

    classes_ = np.array(["cat", "dog", "owl"])

    def __init__(self):
        self.calls = []

    def predict_proba(self, X):
        self.calls.append(("proba", len(X)))
        return np.asarray(X)[:, :3]

    def predict_uncertainty(self, X):
        self.calls.append(("unc", len(X)))
        X = np.asarray(X)
        return Bunch(aleatoric=X[:, 3], epistemic=X[:, 4])


def _toy_data():
    X = np.array(
        [
            [0.8, 0.1, 0.1, 0.1, 0.10],  # cat, correct
            [0.1, 0.7, 0.2, 0.2, 0.20],  # dog, correct
            [0.6, 0.3, 0.1, 0.9, 0.30],  # owl true -> wrong
            [0.2, 0.2, 0.6, 0.3, 0.40],  # owl, correct
        ]
    )
    y = np.array(["cat", "dog", "owl", "owl"])
    rest = np.full((2, 3), 1 / 3)
    X_a = np.c_[rest, [0.5, 0.5], [0.35, 0.9]]
    X_b = np.c_[rest, [0.5, 0.5], [0.05, 0.25]]
    return X, y, X_a, X_b


def test_evaluate_keys_values_and_call_counts():
    X, y, X_a, X_b = _toy_data()
    est = FakeEstimator()
    res = evaluate(est, X, y, {"a": X_a, "b": X_b}, n_bins=4)
    assert set(res) == {"accuracy", "fp_auroc", "ece", "ood"}
    assert set(res["ood"]) == {"a", "b", "pooled"}
    for block in res["ood"].values():
        assert set(block) == {"auroc", "aupr_in", "aupr_out", "fpr95"}
        assert all(isinstance(v, float) and 0 <= v <= 1 for v in block.values())
    assert res["accuracy"] == 0.75
    assert res["fp_auroc"] == 1.0
    y_idx = np.array([0, 1, 2, 2])
    assert res["ece"] == pytest.approx(
        expected_calibration_error(y_idx, X[:, :3], n_bins=4)
    )
    e_in = X[:, 4]
    assert res["ood"]["a"]["auroc"] == pytest.approx(ood_auroc(e_in, X_a[:, 4]))
    pooled = np.r_[X_a[:, 4], X_b[:, 4]]
    assert res["ood"]["pooled"]["auroc"] == pytest.approx(ood_auroc(e_in, pooled))
    assert res["ood"]["pooled"]["fpr95"] == pytest.approx(fpr_at_95_tpr(e_in, pooled))
    assert res["ood"]["pooled"]["aupr_in"] == pytest.approx(aupr_in(e_in, pooled))
    assert res["ood"]["pooled"]["aupr_out"] == pytest.approx(aupr_out(e_in, pooled))
    # predict_proba once on X_test, predict_uncertainty once per set
    assert est.calls.count(("proba", 4)) == 1
    assert est.calls.count(("unc", 4)) == 1
    assert est.calls.count(("unc", 2)) == 2
    assert len(est.calls) == 4


def test_evaluate_accepts_pairs_and_unsorted_classes():
    X, y, X_a, X_b = _toy_data()
    res_dict = evaluate(FakeEstimator(), X, y, {"a": X_a, "b": X_b})
    res_list = evaluate(FakeEstimator(), X, y, [("a", X_a), ("b", X_b)])
    assert res_dict == res_list
    est = FakeEstimator()
    est.classes_ = np.array(["owl", "cat", "dog"])  # columns relabelled
    y2 = np.array(["owl", "cat", "dog", "dog"])  # same column indices as y
    assert evaluate(est, X, y2, {"a": X_a}) == evaluate(
        FakeEstimator(), X, y, {"a": X_a}
    )


def test_evaluate_errors():
    X, y, X_a, _ = _toy_data()
    with pytest.raises(ValueError, match=r"evaluate: y_test: expected labels from estimator.classes_ \['cat', 'dog', 'owl'\], got unknown label\(s\) 'emu'\."):
        evaluate(FakeEstimator(), X, np.array(["cat", "dog", "emu", "owl"]), {"a": X_a})
    with pytest.raises(ValueError, match="evaluate: ood_sets: expected names other than 'pooled'.*got 'pooled'"):
        evaluate(FakeEstimator(), X, y, {"pooled": X_a})
    with pytest.raises(ValueError, match=r"evaluate: ood_sets: expected \(name, X_ood\) pairs.*got ndarray at position 0"):
        evaluate(FakeEstimator(), X, y, [X_a])
    X_nan = X_a.copy()
    X_nan[0, 4] = np.nan
    with pytest.raises(ValueError, match=r"evaluate: predict_uncertainty\(ood_sets\['a'\]\)\['epistemic'\]: expected finite scores"):
        evaluate(FakeEstimator(), X, y, {"a": X_nan})
    with pytest.raises(ValueError, match=r"evaluate: estimator.predict_proba\(X_test\): expected shape \(n_test, n_classes\) = \(3, 3\), got \(4, 3\)"):
        evaluate(FakeEstimator(), X, y[:3], {"a": X_a})


def test_evaluate_perfect_accuracy_gives_nan_fp_auroc_with_warning():
    import warnings as _w

    from sklearn.utils import Bunch

    from gan_ova.metrics import evaluate

    class Perfect:
        classes_ = np.array([0, 1])

        def predict_proba(self, X):
            return np.column_stack([1 - X[:, 0], X[:, 0]])

        def predict_uncertainty(self, X):
            return Bunch(aleatoric=np.full(len(X), 0.1), epistemic=X[:, 1])

    X = np.array([[0.1, 0.1], [0.9, 0.2], [0.2, 0.3]])
    with pytest.warns(UserWarning, match="fp_auroc is undefined"):
        res = evaluate(Perfect(), X, [0, 1, 0], {"o": np.array([[0.5, 0.9]])})
    assert np.isnan(res["fp_auroc"]) and res["accuracy"] == 1.0
    with _w.catch_warnings():
        _w.simplefilter("error")
        assert np.isfinite(evaluate(Perfect(), X, [0, 1, 1], {"o": np.array([[0.5, 0.9]])})["fp_auroc"])


def test_evaluate_warning_points_at_the_caller():
    X, y, X_a, _ = _toy_data()
    perfect = X.copy()
    perfect[2, :3] = [0.1, 0.1, 0.8]  # the one wrong prediction made right
    with pytest.warns(UserWarning, match="evaluate: fp_auroc is undefined") as record:
        evaluate(FakeEstimator(), perfect, y, {"a": X_a})
    assert record[0].filename == __file__


def test_evaluate_malformed_estimator():
    X, y, X_a, _ = _toy_data()

    class NoClasses:
        pass

    with pytest.raises(ValueError, match="evaluate: estimator: expected a fitted classifier exposing classes_, "
                                         "got NoClasses without classes_"):
        evaluate(NoClasses(), X, y, {"a": X_a})
    est = FakeEstimator()
    est.classes_ = np.array([["cat", "dog", "owl"]])
    with pytest.raises(ValueError, match=r"evaluate: estimator.classes_: expected a non-empty 1-D array, "
                                         r"got shape \(1, 3\)"):
        evaluate(est, X, y, {"a": X_a})

    class ListUncertainty(FakeEstimator):
        def predict_uncertainty(self, X):
            return [0.1] * len(X)

    with pytest.raises(ValueError, match=r"evaluate: estimator.predict_uncertainty\(X_test\): expected a mapping "
                                         r"with keys 'aleatoric' and 'epistemic', got list"):
        evaluate(ListUncertainty(), X, y, {"a": X_a})

    class NoEpistemic(FakeEstimator):
        def predict_uncertainty(self, X):
            return Bunch(aleatoric=np.asarray(X)[:, 3])

    with pytest.raises(ValueError, match=r"evaluate: estimator.predict_uncertainty\(X_test\): expected keys "
                                         r"'aleatoric' and 'epistemic', got keys \['aleatoric'\] "
                                         r"\(missing \['epistemic'\]\)"):
        evaluate(NoEpistemic(), X, y, {"a": X_a})


# ---------------------------------------------------------------------------
# reliability bins
# ---------------------------------------------------------------------------
def test_reliability_bins_hand_and_ece():
    # same four examples as test_ece_hand_four_examples
    proba = [[0.4, 0.3, 0.3], [0.25, 0.5, 0.25], [0.1, 0.2, 0.7], [1.0, 0.0, 0.0]]
    y = [0, 2, 2, 1]
    bins = reliability_bins(y, proba, n_bins=4)
    np.testing.assert_allclose(bins.bin_edges, [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(bins.counts, [0, 2, 1, 1])
    np.testing.assert_allclose(bins.accuracy, [np.nan, 0.5, 1.0, 0.0])
    np.testing.assert_allclose(bins.confidence, [np.nan, 0.45, 0.7, 1.0])
    assert bins.ece == pytest.approx(0.35)
    assert bins.ece == expected_calibration_error(y, proba, n_bins=4)
    with pytest.raises(ValueError, match="reliability_bins: n_bins: expected a value >= 1, got 0"):
        reliability_bins(y, proba, n_bins=0)
