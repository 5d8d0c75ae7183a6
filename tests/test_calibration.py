"""gan_ova.calibration and the estimator's ``calibration`` parameter (temperature scaling of P(k|x))."""

import json

import numpy as np
import pytest
from sklearn.base import clone

from gan_ova import GANShieldedOvAClassifier
from gan_ova.calibration import calibration_nll, fit_temperature, has_no_errors, temper_probabilities
from gan_ova.persistence import CONFIG_NAME, load_model, save_model
from gan_ova.uncertainty import class_probabilities, ova_uncertainty

SMALL = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, random_state=0, latent_dim=8)
IMG_SMALL = dict(SMALL, cae_max_epochs=2, max_epochs=3, batch_size=32)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sample_labels(proba, rng):
    u = rng.rand(len(proba), 1)
    return (u > np.cumsum(proba, axis=1)).sum(axis=1).clip(0, proba.shape[1] - 1)


# ---- pure functions ---------------------------------------------------------


def test_temper_probabilities_is_a_softmax_temperature():
    rng = np.random.RandomState(0)
    logits = rng.randn(50, 4) * 3
    p = _softmax(logits)
    for t in (0.3, 1.0, 2.5):
        np.testing.assert_allclose(temper_probabilities(p, t), _softmax(logits / t), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(temper_probabilities(p, 1.0), p)


def test_temper_probabilities_keeps_argmax_zeros_and_stays_finite():
    p = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1e-300, 1.0 - 1e-12, 1e-12], [0.5, 0.5, 0.0]])
    for t in (0.05, 0.5, 2.0, 20.0):
        out = temper_probabilities(p, t)
        assert np.all(np.isfinite(out))
        np.testing.assert_array_equal(out[0], [1.0, 0.0, 0.0])
        np.testing.assert_array_equal(out[1], [0.0, 0.0, 0.0])  # not a distribution: unchanged
        assert out[2].argmax() == 1 and out[3, 2] == 0.0
        np.testing.assert_allclose(out[[0, 2, 3]].sum(axis=1), 1.0)


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, np.inf])
def test_temper_probabilities_rejects_bad_temperature(bad):
    with pytest.raises(ValueError, match=r"temperature: expected a finite number > 0, got"):
        temper_probabilities(np.array([[0.5, 0.5]]), bad)


@pytest.mark.parametrize("factor", [0.5, 2.0, 4.0])
def test_fit_temperature_recovers_a_known_temperature(factor):
    """Labels drawn from softmax(logits); the model reports softmax(factor * logits) -> fitted T = factor."""
    rng = np.random.RandomState(1)
    logits = 2.0 * rng.randn(5000, 5)
    y = _sample_labels(_softmax(logits), rng)
    miscalibrated = _softmax(factor * logits)
    t = fit_temperature(miscalibrated, y)
    assert t == pytest.approx(factor, rel=0.08)
    assert calibration_nll(miscalibrated, y, t) < calibration_nll(miscalibrated, y, 1.0)


def test_fit_temperature_is_one_on_calibrated_data_and_deterministic():
    rng = np.random.RandomState(2)
    p = _softmax(1.5 * rng.randn(5000, 3))
    y = _sample_labels(p, rng)
    t = fit_temperature(p, y)
    assert t == pytest.approx(1.0, abs=0.08)
    assert fit_temperature(p, y) == t
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=int)) == 1.0


def test_fit_temperature_mc_passes_and_bounds():
    rng = np.random.RandomState(3)
    logits = 2.0 * rng.randn(2000, 4)
    y = _sample_labels(_softmax(logits), rng)
    passes = np.stack([_softmax(3.0 * (logits + 0.1 * rng.randn(*logits.shape))) for _ in range(4)])
    t = fit_temperature(passes, y)
    assert 1.5 < t < 5.0  # sharpened 3x: softened back
    assert calibration_nll(passes, y, t) < calibration_nll(passes, y, 1.0)
    # a hopelessly over-confident model hits the upper bound, not infinity
    wrong = np.tile([[1.0 - 1e-15, 1e-15, 0.0, 0.0]], (100, 1))
    assert fit_temperature(wrong, np.ones(100, dtype=int), bounds=(0.1, 10.0)) == pytest.approx(10.0, rel=1e-3)
    with pytest.raises(ValueError, match="bounds: expected 0 < low < high"):
        fit_temperature(wrong, np.ones(100, dtype=int), bounds=(2.0, 1.0))
    with pytest.raises(ValueError, match="y: expected 100 class indices"):
        fit_temperature(wrong, np.full(100, 7))


def test_fit_temperature_without_errors_keeps_one():
    """No held-out errors: the NLL falls as T -> 0 without a minimum; T = 1, not the lower bound."""
    rng = np.random.RandomState(5)
    p = _softmax(3.0 * rng.randn(200, 4))
    y = p.argmax(axis=1)
    assert has_no_errors(p, y) and not has_no_errors(p, (y + 1) % 4)
    assert calibration_nll(p, y, 0.1) < calibration_nll(p, y, 1.0)  # it would run to the bound
    assert fit_temperature(p, y) == 1.0
    assert fit_temperature(np.stack([p, p]), y) == 1.0
    y_one_error = y.copy()
    y_one_error[0] = (y[0] + 1) % 4
    assert fit_temperature(p, y_one_error) != 1.0  # one error: a finite minimum


def test_ova_uncertainty_temperature_changes_only_proba_and_aleatoric():
    rng = np.random.RandomState(4)
    p = rng.rand(3, 40, 5)  # 3 MC passes
    priors = np.array([0.1, 0.2, 0.3, 0.2, 0.2])
    raw = ova_uncertainty(p, priors)
    for t in (0.05, 0.5, 3.0, 20.0):
        cal = ova_uncertainty(p, priors, temperature=t)
        np.testing.assert_array_equal(cal["epistemic"], raw["epistemic"])
        np.testing.assert_array_equal(cal["p_in"], raw["p_in"])
        np.testing.assert_array_equal(cal["ova_proba"], raw["ova_proba"])
        expected = np.mean([temper_probabilities(class_probabilities(pt, priors), t) for pt in p], axis=0)
        np.testing.assert_allclose(cal["proba"], expected)
        np.testing.assert_allclose(cal["proba"].sum(axis=1), 1.0)
        for v in cal.values():
            assert np.all(np.isfinite(v))
    single = ova_uncertainty(p[0], priors, temperature=2.0)
    assert single["proba"].argmax(axis=1).tolist() == ova_uncertainty(p[0], priors)["proba"].argmax(axis=1).tolist()
    assert np.all(single["aleatoric"] >= ova_uncertainty(p[0], priors)["aleatoric"] - 1e-12)  # T > 1 softens


# ---- the estimator ----------------------------------------------------------


def _val_split(est, y):
    """The validation indices that ``fit`` held out (same draws as in ``_fit``)."""
    rng = np.random.RandomState(est.random_state)
    split_seed = int(rng.randint(0, 2**31 - 1, size=3)[0])
    y_idx = np.searchsorted(np.unique(y), y)
    return est._split(y_idx, split_seed)[1], y_idx


@pytest.fixture(scope="module")
def pair(digits200):
    X, y = digits200
    raw = GANShieldedOvAClassifier(**IMG_SMALL).fit(X, y)
    cal = GANShieldedOvAClassifier(calibration="temperature", **IMG_SMALL).fit(X, y)
    return raw, cal, X, y


def test_calibration_reduces_validation_nll_and_keeps_predictions(pair):
    raw, cal, X, y = pair
    assert raw.calibration_temperature_ == 1.0
    t = cal.calibration_temperature_
    assert isinstance(t, float) and t != 1.0 and 0.05 <= t <= 20.0
    va, y_idx = _val_split(cal, y)
    nll = [-np.mean(np.log(m.predict_proba(X[va])[np.arange(len(va)), y_idx[va]])) for m in (raw, cal)]
    assert nll[1] < nll[0]
    np.testing.assert_array_equal(cal.predict(X), raw.predict(X))
    ur, uc = raw.predict_uncertainty(X), cal.predict_uncertainty(X)
    np.testing.assert_array_equal(uc.epistemic, ur.epistemic)  # same networks; epistemic ignores T
    np.testing.assert_array_equal(uc.ova_proba, ur.ova_proba)
    np.testing.assert_array_equal(cal.score_samples(X), raw.score_samples(X))
    np.testing.assert_allclose(uc.proba, temper_probabilities(ur.proba, t))
    np.testing.assert_array_equal(cal.predict_proba(X), uc.proba)
    assert not np.allclose(uc.aleatoric, ur.aleatoric)
    for v in (uc.proba, uc.aleatoric, uc.epistemic):
        assert np.all(np.isfinite(v))


def test_calibration_survives_save_load_and_clone(pair, tmp_path):
    _, cal, X, _ = pair
    loaded = load_model(save_model(cal, tmp_path / "m"))
    assert loaded.calibration == "temperature"
    assert loaded.calibration_temperature_ == cal.calibration_temperature_
    np.testing.assert_array_equal(loaded.predict_proba(X), cal.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict_uncertainty(X).aleatoric, cal.predict_uncertainty(X).aleatoric)
    # files written before calibration existed have no temperature: T = 1
    cfg_path = tmp_path / "m" / CONFIG_NAME
    cfg = json.loads(cfg_path.read_text())
    cfg["fitted"].pop("calibration_temperature")
    cfg["params"]["calibration"] = None
    cfg_path.write_text(json.dumps(cfg))
    old = load_model(tmp_path / "m")
    assert old.calibration_temperature_ == 1.0
    cfg["fitted"]["calibration_temperature"] = -1.0
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="'fitted.calibration_temperature': expected a finite number > 0, got"):
        load_model(tmp_path / "m")
    c = clone(cal)
    assert c.get_params()["calibration"] == "temperature" and not hasattr(c, "calibration_temperature_")
    assert GANShieldedOvAClassifier().get_params()["calibration"] is None
    assert c.set_params(calibration=None).calibration is None


def test_calibration_with_mc_dropout(digits200):
    X, y = digits200
    kw = dict(IMG_SMALL, max_epochs=2, mc_dropout=0.5, mc_samples=3)
    raw = GANShieldedOvAClassifier(**kw).fit(X, y)
    cal = GANShieldedOvAClassifier(calibration="temperature", **kw).fit(X, y)
    ur, uc = raw.predict_uncertainty(X), cal.predict_uncertainty(X)
    np.testing.assert_array_equal(uc.epistemic, ur.epistemic)
    # each pass tempered, then averaged: what the fitted temperature was chosen for
    p = raw._ova_proba(raw._predict_inputs(X))
    np.testing.assert_allclose(uc.proba, ova_uncertainty(p, raw.class_prior_, cal.calibration_temperature_)["proba"])
    va, y_idx = _val_split(cal, y)
    nll = [-np.mean(np.log(m.predict_proba(X[va])[np.arange(len(va)), y_idx[va]])) for m in (raw, cal)]
    assert nll[1] <= nll[0]
    assert np.all(np.isfinite(uc.proba)) and np.allclose(uc.proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("bad", ["foo", "Temperature", "platt", 1, True])
def test_bad_calibration_value(digits200, bad):
    X, y = digits200
    with pytest.raises(ValueError, match=r"calibration: expected None or 'temperature', got "):
        GANShieldedOvAClassifier(calibration=bad, **IMG_SMALL).fit(X, y)


def test_calibration_needs_a_validation_split(digits200):
    X, y = digits200
    est = GANShieldedOvAClassifier(calibration="temperature", validation_fraction=0, **IMG_SMALL)
    with pytest.raises(ValueError, match=r"calibration: 'temperature' is fitted on the validation split, which "
                                         r"needs validation_fraction > 0, got 0"):
        est.fit(X, y)
    assert not hasattr(est, "calibration_temperature_")
    est = GANShieldedOvAClassifier(calibration="temperature", validation_fraction=0.01, **IMG_SMALL)
    with pytest.raises(ValueError, match=r"calibration: 'temperature' needs a validation split, but "
                                         r"validation_fraction=0.01 of 20 samples leaves none"):
        est.fit(X[:20], y[:20])


def test_calibration_without_validation_errors_warns_and_keeps_one(pair, monkeypatch):
    """The estimator says why T stays 1 when every validation example is right."""
    import gan_ova.estimator as estimator_module

    monkeypatch.setattr(estimator_module, "has_no_errors", lambda proba, y: True)
    monkeypatch.setattr(estimator_module, "fit_temperature", lambda proba, y: 1.0)
    _, _, X, y = pair
    est = GANShieldedOvAClassifier(calibration="temperature", **dict(IMG_SMALL, max_epochs=1))
    with pytest.warns(UserWarning, match=r"calibration: all \d+ validation examples are classified correctly.*kept T = 1"):
        est.fit(X, y)
    assert est.calibration_temperature_ == 1.0
