"""Bad input, training faults, interruption, concurrency: clear errors, never a corrupted model."""

import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gan_ova import GANShieldedOvAClassifier
from gan_ova.training import ShieldingNet

IMG = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, latent_dim=8, cae_max_epochs=2, max_epochs=2, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def data(digits200):
    return digits200


@pytest.fixture(scope="module")
def model(data):
    X, y = data
    return GANShieldedOvAClassifier(**IMG).fit(X, y)


@pytest.fixture(scope="module")
def mc_model(data):
    X, y = data
    return GANShieldedOvAClassifier(mc_dropout=0.5, mc_samples=5, **IMG).fit(X, y)


def _with(X, idx, value):
    X = X.copy()
    X.flat[idx] = value
    return X


PREDICT_METHODS = ["predict", "predict_proba", "predict_uncertainty", "score_samples", "decision_function"]


# ----------------------------------------------------------------------
# bad input at fit
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X, y: (_with(X, 5, np.nan), y), "NaN"),
        (lambda X, y: (_with(X, 5, np.inf), y), "infinity"),
        (lambda X, y: (X, np.where(np.arange(len(y)) == 3, np.nan, y.astype(float))), "NaN"),
        (lambda X, y: (X[None], y), "X: expected 2-D"),
        (lambda X, y: (X[:, 0, 0, 0], y), "2D array"),
        (lambda X, y: (X[:0], y[:0]), "0 sample"),
        (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
        (lambda X, y: (np.full(X.shape, "a", dtype=object), y), "could not convert|numeric"),
        (lambda X, y: (X, np.zeros_like(y)), "at least 2 classes"),
        (lambda X, y: (X[:41], np.r_[np.zeros(40), 1]), "at least 2 examples"),
        (lambda X, y: (X * 2.0, y), "pixel values span"),
        (lambda X, y: (X - 0.5, y), "pixel values span"),
        (lambda X, y: (X, y + 0.5), "Unknown label type|continuous"),
    ],
)
def test_bad_fit_input(data, make, match):
    X, y = data
    Xb, yb = make(X, y)
    with pytest.raises(ValueError, match=match):
        GANShieldedOvAClassifier(**IMG).fit(Xb, yb)


def test_flat_width_must_match_image_shape(data):
    X, y = data
    with pytest.raises(ValueError, match=r"image_shape: \(1, 8, 9\) needs 72 features.*X has 64"):
        GANShieldedOvAClassifier(image_shape=(1, 8, 9), **IMG).fit(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match="image_shape.*does not match"):
        GANShieldedOvAClassifier(image_shape=(1, 4, 16), **IMG).fit(X, y)


def test_batch_size_larger_than_data_is_shrunk_with_a_warning(data):
    X, y = data
    clf = GANShieldedOvAClassifier(**dict(IMG, batch_size=500))
    msg = r"batch_size: 500 is larger than the number of training samples, 160 \(200 samples minus the validation_fraction=0.2 held out\); this fit uses batches of 160"
    with pytest.warns(UserWarning, match=msg):
        clf.fit(X, y)
    assert clf.batch_size == 500  # the parameter itself is untouched (scikit-learn convention)
    assert clf.autoencoder_.batch_size == 160 and clf.shielding_net_.batch_size == 160
    assert np.allclose(clf.predict_proba(X).sum(1), 1)
    # without a validation split the batch is the whole data set
    clf = GANShieldedOvAClassifier(**dict(IMG, batch_size=256, validation_fraction=0.0))
    with pytest.warns(UserWarning, match=r"batch_size: 256 is larger than the number of training samples, 200; this"):
        clf.fit(X, y)
    assert clf.shielding_net_.batch_size == 200 and clf.get_params()["batch_size"] == 256


def test_default_batch_size_on_a_small_data_set_shrinks_with_a_warning():
    """Issue 11: default settings on 178-row data (wine) warn once and fit with the smaller batch."""
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    clf = GANShieldedOvAClassifier(cae_max_epochs=1, max_epochs=1, random_state=0)  # default batch_size
    msg = r"batch_size: 256 is larger than the number of training samples, 142 \(178 samples minus the validation_fraction=0.2 held out\); this fit uses batches of 142"
    with pytest.warns(UserWarning, match=msg):
        clf.fit(X, y)
    assert clf.shielding_net_.batch_size == 142 and clf.get_params()["batch_size"] == 256


def test_batch_size_that_fits_does_not_warn(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf = GANShieldedOvAClassifier(**dict(IMG, batch_size=160)).fit(X, y)
    assert clf.shielding_net_.batch_size == 160


@pytest.mark.parametrize("channels", [1, 3])
def test_channels_last_images_are_refused_with_the_transpose(data, model, channels):
    X, y = data
    X_last = np.repeat(X.transpose(0, 2, 3, 1), channels, axis=3)  # (n, 8, 8, C)
    msg = rf"X: got 4-D input of shape \(200, 8, 8, {channels}\), which looks channels-last .*X.transpose\(0, 3, 1, 2\)"
    with pytest.raises(ValueError, match=msg):
        GANShieldedOvAClassifier(**IMG).fit(X_last, y)
    for method in PREDICT_METHODS:
        with pytest.raises(ValueError, match="looks channels-last"):
            getattr(model, method)(X_last[:5])


def test_channels_first_images_with_one_or_three_channels_still_fit(data):
    """(n, 1, H, W) and (n, 3, H, W) are never taken for channels-last."""
    X, y = data
    X3 = np.repeat(X[:60], 3, axis=1)  # (60, 3, 8, 8)
    clf = GANShieldedOvAClassifier(**dict(IMG, batch_size=16)).fit(X3, y[:60])
    assert clf.image_shape_ == (3, 8, 8)


@pytest.fixture(scope="module")
def colour_model(data):
    X, y = data
    return GANShieldedOvAClassifier(**dict(IMG, batch_size=16)).fit(np.repeat(X[:60], 3, axis=1), y[:60])


@pytest.mark.parametrize("method", PREDICT_METHODS)
def test_single_image_without_batch_axis_says_so(model, colour_model, data, method):
    X, _ = data
    grey = X[0, 0]  # (8, 8): one grey image
    with pytest.raises(ValueError, match=r"X: got one image of shape \(8, 8\).*\(n_samples, 1, 8, 8\).*X\[None\]"):
        getattr(model, method)(grey)
    colour = np.repeat(X[0], 3, axis=0)  # (3, 8, 8): one colour image
    with pytest.raises(ValueError, match=r"X: got one image of shape \(3, 8, 8\).*\(n_samples, 3, 8, 8\).*X\[None\]"):
        getattr(colour_model, method)(colour)
    # with the batch axis the same image is accepted
    assert len(np.atleast_1d(getattr(model, method)(grey[None]))) in (1, 2)
    assert len(np.atleast_1d(getattr(colour_model, method)(colour[None]))) in (1, 2)


def test_single_image_to_a_model_fitted_on_3d_images_says_add_the_batch_axis(data):
    """Issue 11: fitted on (n, 8, 8), given one (8, 8) image: the message says X[None]."""
    X, y = data
    clf = GANShieldedOvAClassifier(**dict(IMG, max_epochs=1)).fit(X[:, 0], y)  # (200, 8, 8)
    for method in PREDICT_METHODS:
        with pytest.raises(ValueError, match=r"X: got one image of shape \(8, 8\).*add the batch axis: X\[None\]"):
            getattr(clf, method)(X[0, 0])
    np.testing.assert_allclose(clf.predict_proba(X[0, 0][None]), clf.predict_proba(X[:1, 0]))


def test_a_batch_of_one_grey_image_is_not_taken_for_a_single_image(model, data):
    X, _ = data
    np.testing.assert_allclose(model.predict_proba(X[0]), model.predict_proba(X[:1]))  # (1, 8, 8) = (n, H, W)


# ----------------------------------------------------------------------
# flat images passed without image_shape
# ----------------------------------------------------------------------
FLAT_WARNING = "look like flattened"


def _flat_image_warnings(record):
    return [w for w in record if issubclass(w.category, UserWarning) and FLAT_WARNING in str(w.message)]


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X: X.reshape(len(X), -1), r"64 columns, all values in \[0, 1\], look like flattened 8x8 grey images.*pass image_shape=\(1, 8, 8\) \(or"),
        (lambda X: np.round(X * 16).reshape(len(X), -1), r"integers in 0..16 .*image_shape=\(1, 8, 8\) and pixel_scale=16"),
        (lambda X: np.round(X * 255).reshape(len(X), -1), r"integers in 0..255.*image_shape=\(1, 8, 8\) and pixel_scale=255"),
        (lambda X: np.round(X * 255).astype(np.uint8).reshape(len(X), -1), r"all uint8 values.*image_shape=\(1, 8, 8\) \(or"),
        (lambda X: np.repeat(X, 3, axis=1).reshape(len(X), -1), r"192 columns.*8x8 colour images.*image_shape=\(3, 8, 8\)"),
    ],
)
def test_flat_images_without_image_shape_warn(data, make, match):
    X, y = data
    with pytest.warns(UserWarning, match=match):
        clf = GANShieldedOvAClassifier(**dict(IMG, max_epochs=1)).fit(make(X), y)
    assert clf.image_shape_ is None  # still fitted as asked: feature vectors


def test_sklearn_flat_digits_warn_and_image_shape_silences(data):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)  # (1797, 64) floats, integers 0..16
    X, y = X[:200], y[:200]
    with pytest.warns(UserWarning, match=r"integers in 0..16 \(like scikit-learn's digits\)"):
        GANShieldedOvAClassifier(**dict(IMG, max_epochs=1)).fit(X, y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf = GANShieldedOvAClassifier(image_shape=(1, 8, 8), pixel_scale=16, **dict(IMG, max_epochs=1)).fit(X, y)
    assert not _flat_image_warnings(record) and clf.image_shape_ == (1, 8, 8)


@pytest.mark.parametrize("loader", ["load_breast_cancer", "load_wine", "gaussian_64", "images_4d"])
def test_tabular_data_and_real_images_do_not_warn(data, loader):
    import sklearn.datasets

    if loader == "gaussian_64":  # 64 columns, but not pixel values
        X, y = np.random.RandomState(0).normal(size=(200, 64)), np.arange(200) % 3
    elif loader == "images_4d":
        X, y = data
    else:
        X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        GANShieldedOvAClassifier(**dict(IMG, max_epochs=1)).fit(X, y)
    assert not _flat_image_warnings(record)


# ----------------------------------------------------------------------
# parameters that other parameters make useless
# ----------------------------------------------------------------------
def test_mc_samples_without_mc_dropout_warns(data):
    X, y = data
    with pytest.warns(UserWarning, match=r"mc_samples: 10 is ignored because mc_dropout=0.0 .*set mc_dropout > 0"):
        GANShieldedOvAClassifier(mc_samples=10, **dict(IMG, max_epochs=1)).fit(X, y)


@pytest.mark.parametrize("params", [{"mc_dropout": 0.5, "mc_samples": 3}, {}])
def test_mc_samples_warning_only_when_ignored(data, params):
    X, y = data
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        GANShieldedOvAClassifier(**params, **dict(IMG, max_epochs=1)).fit(X, y)
    assert not [w for w in record if "mc_samples" in str(w.message)]


# ----------------------------------------------------------------------
# bad input at predict: clear error, model unchanged
# ----------------------------------------------------------------------
@pytest.mark.parametrize("method", PREDICT_METHODS)
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X: _with(X, 0, np.nan), "NaN"),
        (lambda X: X.reshape(len(X), -1)[:, :60], "60 features"),
        (lambda X: X[:, :, :4, :4], r"expected images of shape \(1, 8, 8\)"),
        (lambda X: X[:0], "0 sample"),
        (lambda X: X * 3, "pixel values span"),
        (lambda X: X[None], "X: expected 2-D"),
    ],
)
def test_bad_predict_input(model, data, method, make, match):
    X, _ = data
    before = model.predict_proba(X[:10])
    with pytest.raises(ValueError, match=match):
        getattr(model, method)(make(X[:10]))
    np.testing.assert_array_equal(model.predict_proba(X[:10]), before)


def test_unfitted_model_raises(data):
    from sklearn.exceptions import NotFittedError

    X, _ = data
    for method in PREDICT_METHODS:
        with pytest.raises(NotFittedError):
            getattr(GANShieldedOvAClassifier(), method)(X)
    with pytest.raises(NotFittedError):
        GANShieldedOvAClassifier().sample_out_of_class(2)


def test_sample_out_of_class_bad_n(model):
    with pytest.raises(ValueError, match="n_per_class"):
        model.sample_out_of_class(0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shape=st.lists(st.integers(0, 9), min_size=0, max_size=5),
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.uint8, object, np.bool_, np.complex64]),
    fill=st.sampled_from([0.5, np.nan, np.inf, -1.0, 300.0, "x"]),
)
def test_malformed_input_never_corrupts(model, data, shape, dtype, fill):
    """Random malformed input: only ValueError/TypeError, and the fitted model is unchanged."""
    X, _ = data
    reference = model.predict_proba(X[:8])
    try:
        bad = np.full(shape, fill, dtype=object).astype(dtype) if shape else np.asarray(fill, dtype=object)
    except (ValueError, TypeError, OverflowError):
        bad = np.full(shape, fill, dtype=object)
    for method in ("predict_proba", "predict_uncertainty"):
        try:
            out = getattr(model, method)(bad)
        except (ValueError, TypeError):
            continue
        # accepted input must give finite, valid results
        arr = out if method == "predict_proba" else out.epistemic
        assert np.all(np.isfinite(arr))
    np.testing.assert_array_equal(model.predict_proba(X[:8]), reference)


# ----------------------------------------------------------------------
# training faults
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, stage",
    [
        ({"cae_lr": 1e12}, "stage 1"),
        ({"lr": 1e20, "critic_lr": 1e20, "generator_lr": 1e20}, "stage 2"),
    ],
)
def test_non_finite_loss_names_stage_and_remedy(data, model, params, stage):
    X, y = data
    clf = pickle.loads(pickle.dumps(model))
    before = clf.predict_proba(X)
    clf.set_params(**params)
    with pytest.raises(FloatingPointError, match=rf"{stage}.*epoch \d+, batch \d+.*lower the learning rate"):
        clf.fit(X, y)
    # the fitted state is the one from before the failed fit
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.shielding_net_.history[-1, "epoch"] == model.shielding_net_.history[-1, "epoch"]


def test_keyboard_interrupt_in_stage_2_keeps_a_usable_model(data, monkeypatch):
    X, y = data
    original = ShieldingNet.train_step
    calls = {"n": 0}

    def interrupted(self, batch, **kw):
        calls["n"] += 1
        if calls["n"] > 6:  # 5 batches per epoch: stop inside the second epoch
            raise KeyboardInterrupt
        return original(self, batch, **kw)

    monkeypatch.setattr(ShieldingNet, "train_step", interrupted)
    with pytest.warns(RuntimeWarning, match="interrupted during stage 2 after 2 of 6 epochs"):
        clf = GANShieldedOvAClassifier(**dict(IMG, max_epochs=6)).fit(X, y)
    assert clf.fit_interrupted_
    assert clf.best_epoch_ == 1  # the only epoch that finished and was validated
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(proba)) and np.allclose(proba.sum(1), 1)


def test_keyboard_interrupt_in_stage_1_aborts_and_keeps_previous_model(data, model, monkeypatch):
    X, y = data
    from gan_ova.training import AutoencoderNet

    clf = pickle.loads(pickle.dumps(model))
    before = clf.predict_proba(X)

    def boom(self, batch, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(AutoencoderNet, "train_step", boom)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


# ----------------------------------------------------------------------
# concurrency
# ----------------------------------------------------------------------
@pytest.mark.parametrize("which", ["model", "mc_model"])
def test_concurrent_predict_matches_serial(request, data, which):
    est = request.getfixturevalue(which)
    X, _ = data
    chunks = [X[i : i + 40] for i in range(0, 200, 40)]
    serial = [est.predict_proba(c) for c in chunks]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(est.predict_proba, chunks * 3))
    for i, p in enumerate(parallel):
        np.testing.assert_array_equal(p, serial[i % len(chunks)])


def test_predictions_do_not_touch_global_rng(mc_model, data):
    X, _ = data
    torch.manual_seed(7)
    a = torch.rand(2)
    torch.manual_seed(7)
    mc_model.predict_proba(X[:5])
    np.testing.assert_array_equal(torch.rand(2), a)


def test_pickle_of_a_cuda_model_loads_without_cuda(model, data, monkeypatch):
    """skorch-style check: a model whose nets say device='cuda' unpickles on a machine without CUDA."""
    X, _ = data
    expected = model.predict_proba(X)
    clf = pickle.loads(pickle.dumps(model))
    for net in (clf.autoencoder_, clf.shielding_net_):
        net.device = "cuda"  # as if fitted on a GPU (the tensors themselves are on the CPU here)
    clf.device = "cuda"
    blob = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch warns that it falls back to the CPU
        loaded = pickle.loads(blob)
    assert str(loaded.shielding_net_.device) == "cpu" and str(loaded.autoencoder_.device) == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    with pytest.raises(ValueError, match="device.*CUDA is not available"):
        loaded.fit(*data)
