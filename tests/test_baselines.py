"""Tests of the baseline classifiers in gan_ova.baselines (tiny budgets; CPU)."""

import pickle
from functools import cache

import numpy as np
import pytest
import torch
from scipy.special import expit
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split
from sklearn.utils.estimator_checks import parametrize_with_checks

from gan_ova.baselines import (
    ConfidentClassifier,
    DeepEnsembleClassifier,
    MCDropoutClassifier,
    OvAClassifier,
    SoftmaxClassifier,
    mutual_information_scores,
    softmax_scores,
)
from gan_ova.datasets import load_digits_images
from gan_ova.uncertainty import ova_uncertainty

CLASSES = {
    "softmax": SoftmaxClassifier,
    "ova": OvAClassifier,
    "mc_dropout": MCDropoutClassifier,
    "ensemble": DeepEnsembleClassifier,
    "confident": ConfidentClassifier,
}
EXTRA = {
    "softmax": {},
    "ova": {},
    "mc_dropout": {"mc_samples": 4},
    "ensemble": {"n_members": 2},
    "confident": {"noise_dim": 8, "generator_hidden": (16,), "critic_hidden": (16,)},
}
NAMES = list(CLASSES)
KINDS = ["digits", "blobs"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@cache
def _data(kind):
    if kind == "digits":
        X, y = load_digits_images()
        keep = np.flatnonzero(y < 5)[:200]
        return X[keep], y[keep]
    X, y = make_blobs(n_samples=150, centers=[[-4, 0], [4, 0], [0, 5]], random_state=0)
    return X.astype(np.float32), y


def _make(name, kind, **params):
    backbone_kwargs = {"width": 4, "hidden": 16} if kind == "digits" else {"hidden": (16,)}
    kw = dict(max_epochs=2, batch_size=32, random_state=0, backbone_kwargs=backbone_kwargs, **EXTRA[name])
    kw.update(params)
    return CLASSES[name](**kw)


_FITTED = {}


def _fitted(name, kind):
    if (name, kind) not in _FITTED:
        X, y = _data(kind)
        clf = _make(name, kind)
        assert clf.fit(X, y) is clf
        _FITTED[name, kind] = clf
    return _FITTED[name, kind]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_prediction_api(name, kind):
    X, y = _data(kind)
    clf = _fitted(name, kind)
    K = len(np.unique(y))
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    assert clf.n_features_in_ == int(np.prod(X.shape[1:]))
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), K)
    assert np.all(proba >= 0) and np.all(proba <= 1)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    u = clf.predict_uncertainty(X)
    for key in ("aleatoric", "epistemic", "p_in"):
        assert u[key].shape == (len(X),)
        assert np.all(np.isfinite(u[key])) and np.all(u[key] >= 0) and np.all(u[key] <= 1), key
    np.testing.assert_allclose(u.p_in, 1.0 - u.epistemic)
    np.testing.assert_array_equal(u.proba, proba)
    np.testing.assert_array_equal(clf.score_samples(X), u.p_in)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_deterministic_and_clone(name, kind):
    X, y = _data(kind)
    clf = _fitted(name, kind)
    state = torch.get_rng_state()
    refit = clone(clf).fit(X, y)
    p1 = clf.predict_proba(X)
    np.testing.assert_array_equal(refit.predict_proba(X), p1)
    np.testing.assert_array_equal(clf.predict_proba(X), p1)  # repeated calls agree (MC masks too)
    assert torch.equal(torch.get_rng_state(), state), "the global torch RNG was touched"


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip(name):
    X, _ = _data("digits")
    clf = _fitted(name, "digits")
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    u, v = loaded.predict_uncertainty(X), clf.predict_uncertainty(X)
    np.testing.assert_array_equal(u.epistemic, v.epistemic)


@pytest.mark.parametrize("name", NAMES)
def test_string_labels(name):
    X, y = _data("blobs")
    labels = np.array(["cat", "dog", "emu"])[y]
    clf = _make(name, "blobs", max_epochs=1).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    pred = clf.predict(X[:10])
    assert pred.dtype.kind == "U" and set(pred) <= {"cat", "dog", "emu"}


@pytest.mark.parametrize(
    "cls, params, match",
    [
        (SoftmaxClassifier, {"epistemic_score": "max"}, "epistemic_score"),
        (SoftmaxClassifier, {"lr": 0}, "lr"),
        (SoftmaxClassifier, {"backbone": "vgg"}, "backbone"),
        (SoftmaxClassifier, {"backbone_kwargs": {"dropout": 0.1}}, "backbone_kwargs"),
        (OvAClassifier, {"lambda_real": 1.5}, "lambda_real"),
        (OvAClassifier, {"max_epochs": 0}, "max_epochs"),
        (MCDropoutClassifier, {"dropout": 0.0}, "dropout"),
        (MCDropoutClassifier, {"mc_samples": 0}, "mc_samples"),
        (MCDropoutClassifier, {"mc_samples": 2.5}, "mc_samples"),
        (DeepEnsembleClassifier, {"n_members": 1}, "n_members"),
        (DeepEnsembleClassifier, {"validation_fraction": 0.95}, "validation_fraction"),
        (ConfidentClassifier, {"lambda_kl": -1.0}, "lambda_kl"),
        (ConfidentClassifier, {"beta": float("nan")}, "beta"),
        (ConfidentClassifier, {"noise_dim": 0}, "noise_dim"),
        (ConfidentClassifier, {"generator_hidden": ()}, "generator_hidden"),
        (ConfidentClassifier, {"critic_lr": -1e-4}, "critic_lr"),
        (ConfidentClassifier, {"batch_size": 1}, "batch_size"),
    ],
)
def test_bad_params(cls, params, match):
    X, y = _data("blobs")
    clf = cls(**{"max_epochs": 1, "batch_size": 32, **params})
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")  # a failed fit leaves the estimator unfitted


def test_softmax_scores_and_entropy_option():
    X, _ = _data("blobs")
    clf = _fitted("softmax", "blobs")
    u = clf.predict_uncertainty(X)
    np.testing.assert_allclose(u.epistemic, 1.0 - u.proba.max(axis=1))
    ent = clone(clf).set_params(epistemic_score="entropy").fit(*_data("blobs")).predict_uncertainty(X)
    np.testing.assert_array_equal(ent.epistemic, ent.aleatoric)
    np.testing.assert_array_equal(ent.proba, u.proba)  # the score does not change training
    r = softmax_scores(np.array([[1 / 3, 1 / 3, 1 / 3]]), "entropy")
    np.testing.assert_allclose([r["aleatoric"][0], r["epistemic"][0]], [1.0, 1.0])


def test_mutual_information_scores():
    p = np.array([[[0.9, 0.1]], [[0.1, 0.9]], [[0.5, 0.5]]])
    r = mutual_information_scores(p)
    np.testing.assert_allclose(r["proba"], [[0.5, 0.5]])
    assert r["aleatoric"][0] == pytest.approx(1.0)
    h = -(0.9 * np.log(0.9) + 0.1 * np.log(0.1)) / np.log(2)
    assert r["epistemic"][0] == pytest.approx(1.0 - (2 * h + 1.0) / 3)


def test_ova_matches_uncertainty_module():
    X, _ = _data("blobs")
    clf = _fitted("ova", "blobs")
    Xc = clf._predict_inputs(X)
    with torch.no_grad():
        logits = clf.net_.module_.eval()(torch.as_tensor(Xc)).double().numpy()
    ref = ova_uncertainty(expit(logits), clf.class_prior_)
    u = clf.predict_uncertainty(X)
    for key in ("proba", "aleatoric", "epistemic", "ova_proba"):
        np.testing.assert_allclose(u[key], ref[key], atol=1e-12)


def test_mc_dropout_passes_differ():
    X, _ = _data("digits")
    clf = _fitted("mc_dropout", "digits")
    u = clf.predict_uncertainty(X)
    assert u.epistemic.max() > 0  # passes disagree: dropout is on at test time
    assert np.all(u.aleatoric >= u.epistemic - 1e-12)  # total >= mutual information
    assert not clf.net_.module_.training


def test_ensemble_members_differ():
    X, _ = _data("digits")
    clf = _fitted("ensemble", "digits")
    assert len(clf.nets_) == 2 and len(clf.best_epochs_) == 2
    Xc = torch.as_tensor(clf._predict_inputs(X))
    with torch.no_grad():
        a, b = (net.module_.eval()(Xc) for net in clf.nets_)
    assert not torch.allclose(a, b)
    assert clf.predict_uncertainty(X).epistemic.max() > 0


@pytest.mark.parametrize("kind", KINDS)
def test_confident_history_and_samples(kind):
    X, _ = _data(kind)
    clf = _fitted("confident", kind)
    hist = clf.net_.history
    for key in ("critic_loss", "wasserstein", "generator_loss", "kl_fake", "classifier_loss", "valid_acc"):
        assert np.all(np.isfinite(hist[:, key])), key
    xs = clf.sample(5, random_state=0)
    assert xs.shape == (5,) + X.shape[1:]
    np.testing.assert_array_equal(xs, clf.sample(5, random_state=0))
    if kind == "digits":
        assert xs.min() >= 0 and xs.max() <= 1


@pytest.mark.parametrize("name", NAMES)
def test_batch_size_larger_than_data_is_shrunk_with_a_warning(name):
    X, y = _data("blobs")  # 150 samples: 120 for training, 30 for validation
    clf = _make(name, "blobs", batch_size=1000, max_epochs=1)
    with pytest.warns(UserWarning, match=r"batch_size: 1000 is larger than the number of training samples, 120 .*batches of 120"):
        clf.fit(X, y)
    assert clf.batch_size == 1000  # the parameter is untouched
    nets = clf.nets_ if name == "ensemble" else [clf.net_]
    assert all(net.batch_size == 120 for net in nets)
    assert np.allclose(clf.predict_proba(X).sum(1), 1)


@pytest.mark.parametrize("name", NAMES)
def test_verbose_prints_a_plan_and_counts_training_batches(name, capsys):
    X, y = _data("blobs")  # 120 training samples, batches of 32
    _make(name, "blobs", max_epochs=2).fit(X, y)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    _make(name, "blobs", max_epochs=2, verbose=1).fit(X, y)
    out = capsys.readouterr()
    batches = 3 if name == "confident" else 4  # the Confident classifier drops the last incomplete batch
    label = "DeepEnsembleClassifier member 1/2" if name == "ensemble" else type(CLASSES[name]()).__name__
    assert f"[gan_ova] {label}: 2 epochs x {batches} batches per epoch (batch size 32, 120 training samples)" in out.out
    assert "first epoch took" in out.out and "\x1b[" not in out.out  # stdout is not a terminal: no colours
    assert f"0/{batches} [" in out.err and "0/5 [" not in out.err  # validation batches are not counted


def test_no_validation_keeps_last_state():
    X, y = _data("blobs")
    clf = _make("softmax", "blobs", validation_fraction=0.0, max_epochs=1).fit(X, y)
    assert clf.best_epoch_ is None
    assert "valid_acc" not in clf.net_.history[-1]


def test_flat_images_with_image_shape():
    X, y = _data("digits")
    clf = _make("softmax", "digits", image_shape=(1, 8, 8), max_epochs=1).fit(X.reshape(len(X), -1), y)
    assert clf.image_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(
        clf.predict_proba(X.reshape(len(X), -1)), _make("softmax", "digits", max_epochs=1).fit(X, y).predict_proba(X)
    )


def test_softmax_accuracy_digits():
    X, y = load_digits_images()
    keep = y < 5
    X_tr, X_te, y_tr, y_te = train_test_split(X[keep], y[keep], test_size=0.25, random_state=0)
    clf = SoftmaxClassifier(max_epochs=30, batch_size=64, random_state=0).fit(X_tr, y_tr)
    assert clf.score(X_te, y_te) >= 0.9


# ----------------------------------------------------------------------
# scikit-learn's estimator contract (budgets just large enough for check_classifiers_train)
# ----------------------------------------------------------------------
_CHECK_KW = {"max_epochs": 5, "batch_size": 8, "lr": 1e-2, "random_state": 0, "backbone_kwargs": {"hidden": (16,)}}


def _expected_failed_checks(estimator):
    failed = {}
    if isinstance(estimator, MCDropoutClassifier):
        reason = "MC-dropout masks are drawn per row position, so a row's prediction depends on the batch"
        failed["check_methods_sample_order_invariance"] = reason
        failed["check_methods_subset_invariance"] = reason
    return failed


@parametrize_with_checks(
    [
        SoftmaxClassifier(**_CHECK_KW),
        OvAClassifier(**_CHECK_KW),
        MCDropoutClassifier(mc_samples=3, **_CHECK_KW),
        DeepEnsembleClassifier(n_members=2, **_CHECK_KW),
        ConfidentClassifier(noise_dim=4, generator_hidden=(8,), critic_hidden=(8,), **_CHECK_KW),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_confident_optimizer_learning_rates():
    clf = _make("confident", "blobs", max_epochs=1, lr=1e-2, generator_lr=2e-4, critic_lr=3e-4)
    clf.fit(*_data("blobs"))
    net = clf.net_
    assert net.optimizer_.param_groups[0]["lr"] == 1e-2
    assert net.generator_optimizer_.param_groups[0]["lr"] == 2e-4
    assert net.critic_optimizer_.param_groups[0]["lr"] == 3e-4
    assert net.generator_optimizer_.param_groups[0]["betas"] == (0.0, 0.9)
