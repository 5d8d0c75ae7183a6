"""gan_ova.persistence: safe (JSON + safetensors) saving and loading of fitted models."""

import json
import pickle
import shutil
import struct

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError

from gan_ova import GANShieldedOvAClassifier
from gan_ova.persistence import (
    CONFIG_NAME,
    FORMAT_VERSION,
    WEIGHTS_NAME,
    load_model,
    save_model,
)

SMALL = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, random_state=0)
IMG_SMALL = dict(SMALL, cae_max_epochs=2, max_epochs=2, batch_size=32, latent_dim=8)
VEC_SMALL = dict(SMALL, max_epochs=3, batch_size=16, backbone_kwargs={"hidden": (16,)})


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def digits(digits200):
    return digits200


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=90, centers=[[-3, 0], [3, 0], [0, 4]], random_state=0)
    return X, y


@pytest.fixture(scope="module")
def img_model(digits):
    X, y = digits
    return GANShieldedOvAClassifier(**IMG_SMALL).fit(X, y)


@pytest.fixture(scope="module")
def vec_model(blobs):
    X, y = blobs
    return GANShieldedOvAClassifier(**VEC_SMALL).fit(X, y)


@pytest.fixture(scope="module")
def mc_model(digits):
    """MC dropout, fitted on uint8 (n, H, W) images: exercises the uint8 / 3-D output path too."""
    X, y = digits
    X8 = np.round(X[:, 0] * 255).astype(np.uint8)
    return GANShieldedOvAClassifier(mc_dropout=0.5, mc_samples=3, **IMG_SMALL).fit(X8, y), X8


@pytest.fixture(scope="module")
def saved_vec(vec_model, tmp_path_factory):
    return save_model(vec_model, tmp_path_factory.mktemp("vec") / "model")


@pytest.fixture
def vec_copy(saved_vec, tmp_path):
    """A fresh copy of the saved vector model to tamper with."""
    return shutil.copytree(saved_vec, tmp_path / "model")


def _edit_config(path, edit):
    cfg = json.loads((path / CONFIG_NAME).read_text())
    edit(cfg)
    (path / CONFIG_NAME).write_text(json.dumps(cfg))


def _assert_same_outputs(a, b, X):
    np.testing.assert_array_equal(b.predict_proba(X), a.predict_proba(X))
    np.testing.assert_array_equal(b.predict(X), a.predict(X))
    ua, ub = a.predict_uncertainty(X), b.predict_uncertainty(X)
    assert set(ua) == set(ub)
    for key in ua:
        np.testing.assert_array_equal(ub[key], ua[key])
    np.testing.assert_array_equal(b.score_samples(X), a.score_samples(X))
    np.testing.assert_array_equal(b.decision_function(X), a.decision_function(X))
    Xa, ya = a.sample_out_of_class(3, random_state=1)
    Xb, yb = b.sample_out_of_class(3, random_state=1)
    assert Xb.dtype == Xa.dtype and Xb.shape == Xa.shape
    np.testing.assert_array_equal(Xb, Xa)
    np.testing.assert_array_equal(yb, ya)


def _assert_same_state(a, b):
    pairs = [
        (a.shielding_net_.module_, b.shielding_net_.module_),
        (a.shielding_net_.generator_, b.shielding_net_.generator_),
        (a.shielding_net_.critic_, b.shielding_net_.critic_),
    ]
    if a.autoencoder_ is not None:
        pairs.append((a.autoencoder_.module_, b.autoencoder_.module_))
    else:
        assert b.autoencoder_ is None
    for ma, mb in pairs:
        assert type(ma) is type(mb)
        sa, sb = ma.state_dict(), mb.state_dict()
        assert list(sa) == list(sb)
        for key in sa:
            assert torch.equal(sa[key], sb[key]), key


def _assert_same_attributes(a, b):
    assert b.get_params() == a.get_params()  # tuples stay tuples, dicts stay dicts
    assert type(b.generator_hidden) is tuple
    np.testing.assert_array_equal(b.classes_, a.classes_)
    assert b.classes_.dtype == a.classes_.dtype
    for name in ("class_prior_", "latent_mean_", "latent_scale_", "input_mean_", "input_scale_"):
        va, vb = getattr(a, name), getattr(b, name)
        if va is None:
            assert vb is None, name
        else:
            assert vb.dtype == va.dtype, name
            np.testing.assert_array_equal(vb, va)
    for name in ("n_features_in_", "image_shape_", "input_is_uint8_", "input_ndim_", "random_seed_",
                 "best_epoch_", "fit_interrupted_", "calibration_temperature_"):
        assert getattr(b, name) == getattr(a, name), name
    assert b.shielding_net_.batch_size == a.shielding_net_.batch_size
    np.testing.assert_array_equal(b.shielding_net_.class_counts, a.shielding_net_.class_counts)


# ----------------------------------------------------------------------
# round trips
# ----------------------------------------------------------------------
def test_round_trip_image_model(img_model, digits, tmp_path):
    X, _ = digits
    out = save_model(img_model, tmp_path / "nested" / "model")  # parents are created
    assert sorted(p.name for p in out.iterdir()) == sorted([CONFIG_NAME, WEIGHTS_NAME])
    loaded = load_model(out)
    assert type(loaded) is GANShieldedOvAClassifier
    _assert_same_outputs(img_model, loaded, X)
    _assert_same_state(img_model, loaded)
    _assert_same_attributes(img_model, loaded)
    # the decoder wraps the loaded cAE, is frozen, and undoes the latent standardization
    dec = loaded.shielding_net_.decoder_
    assert dec.cae is loaded.autoencoder_.module_
    assert not dec.training and all(not p.requires_grad for p in dec.parameters())
    np.testing.assert_array_equal(dec.mean.numpy(), img_model.latent_mean_)
    # the training histories come along (informational)
    assert len(loaded.shielding_net_.history) == len(img_model.shielding_net_.history)
    assert loaded.shielding_net_.history[-1, "valid_acc"] == img_model.shielding_net_.history[-1, "valid_acc"]
    assert len(loaded.autoencoder_.history) == len(img_model.autoencoder_.history)


def test_round_trip_vector_model(vec_model, saved_vec, blobs):
    X, _ = blobs
    loaded = load_model(saved_vec)
    assert loaded.autoencoder_ is None and loaded.image_shape_ is None
    assert loaded.backbone_kwargs == {"hidden": (16,)}
    _assert_same_outputs(vec_model, loaded, X)
    _assert_same_state(vec_model, loaded)
    _assert_same_attributes(vec_model, loaded)
    far = np.array([[0.0, 40.0], [-30.0, -30.0]])
    _assert_same_outputs(vec_model, loaded, far)


def test_round_trip_mc_dropout(mc_model, tmp_path):
    clf, X8 = mc_model
    loaded = load_model(save_model(clf, tmp_path / "mc"))
    assert loaded.mc_dropout == 0.5 and loaded.mc_samples == 3
    _assert_same_outputs(clf, loaded, X8)
    _assert_same_attributes(clf, loaded)
    Xg, _ = loaded.sample_out_of_class(2)
    assert Xg.dtype == np.uint8 and Xg.shape == (10, 8, 8)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog"]),
        np.array(["cat", "dog"], dtype=object),
        np.array([3, 7]),
        np.array([-1.0, 3.0]),  # float labels must be integral for scikit-learn
        np.array([False, True]),
    ],
    ids=["str", "object-str", "int", "float", "bool"],
)
def test_round_trip_label_types(labels, tmp_path):
    X, y = make_blobs(n_samples=40, centers=[[-3, 0], [3, 0]], random_state=1)
    params = dict(SMALL, max_epochs=1, batch_size=16, backbone_kwargs={"hidden": (8,)})
    clf = GANShieldedOvAClassifier(**params).fit(X, labels[y])
    loaded = load_model(save_model(clf, tmp_path / "m"))
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    _assert_same_outputs(clf, loaded, X)
    assert set(loaded.predict(X)) <= set(labels)


def test_feature_names_round_trip(vec_model, tmp_path, blobs):
    clf = pickle.loads(pickle.dumps(vec_model))  # a trusted copy, made by the test itself
    clf.feature_names_in_ = np.array(["a", "b"], dtype=object)
    loaded = load_model(save_model(clf, tmp_path / "m"))
    assert loaded.feature_names_in_.dtype == object
    np.testing.assert_array_equal(loaded.feature_names_in_, ["a", "b"])
    assert not hasattr(load_model(save_model(vec_model, tmp_path / "plain")), "feature_names_in_")


def test_loaded_model_can_be_cloned_and_refitted(saved_vec, vec_model, blobs):
    X, y = blobs
    loaded = load_model(saved_vec)
    fresh = clone(loaded)
    assert fresh.get_params() == vec_model.get_params()
    assert not hasattr(fresh, "classes_")
    refit = fresh.fit(X, y)
    # same parameters and seed as the original fit: the same model again
    np.testing.assert_array_equal(refit.predict_proba(X), vec_model.predict_proba(X))
    loaded.fit(X, y)  # a loaded model can also be refitted in place
    np.testing.assert_array_equal(loaded.predict_proba(X), vec_model.predict_proba(X))


def test_load_leaves_global_torch_rng_untouched(saved_vec):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    load_model(saved_vec)
    np.testing.assert_array_equal(torch.rand(3), expected)


# ----------------------------------------------------------------------
# the files hold data only
# ----------------------------------------------------------------------
def test_files_contain_no_pickle(saved_vec, vec_model, blobs, monkeypatch):
    X, _ = blobs
    cfg = json.loads((saved_vec / CONFIG_NAME).read_text(encoding="utf-8"))
    assert cfg["format_version"] == FORMAT_VERSION
    assert cfg["estimator"] == "GANShieldedOvAClassifier"
    assert cfg["params"]["lambda_cl"] == vec_model.lambda_cl
    raw = (saved_vec / WEIGHTS_NAME).read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])  # safetensors: a JSON header, then raw tensor bytes
    assert {k.split(".")[0] for k in header if k != "__metadata__"} == {"classifier", "generator", "critic"}
    assert not raw.startswith(b"\x80") and b"PK\x03\x04" not in raw[:8]  # no pickle, no torch zip

    def forbidden(*args, **kwargs):
        raise AssertionError("load_model must not unpickle anything")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    loaded = load_model(saved_vec)
    monkeypatch.undo()
    _assert_same_outputs(vec_model, loaded, X)


def test_image_weights_have_autoencoder_prefix(img_model, tmp_path):
    from safetensors import safe_open

    with safe_open(str(save_model(img_model, tmp_path / "m") / WEIGHTS_NAME), framework="pt") as f:
        keys = list(f.keys())
    assert {k.split(".")[0] for k in keys} == {"classifier", "generator", "critic", "autoencoder"}


# ----------------------------------------------------------------------
# devices
# ----------------------------------------------------------------------
def test_cuda_model_loads_on_cpu(vec_copy, vec_model, blobs, monkeypatch):
    X, _ = blobs

    def to_cuda(cfg):
        cfg["params"]["device"] = "cuda"

    _edit_config(vec_copy, to_cuda)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = load_model(vec_copy)
    assert loaded.device == "cpu"
    assert str(loaded.shielding_net_.device) == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.shielding_net_.module_.parameters())
    _assert_same_outputs(vec_model, loaded, X)
    with pytest.raises(ValueError, match="CUDA is not available"):
        load_model(vec_copy, device="cuda")


def test_explicit_device(saved_vec):
    assert load_model(saved_vec, device="cpu").device == "cpu"
    assert load_model(saved_vec, device=torch.device("cpu")).shielding_net_.device == "cpu"
    with pytest.raises(ValueError, match="device"):
        load_model(saved_vec, device="tpu")


# ----------------------------------------------------------------------
# errors on load
# ----------------------------------------------------------------------
def test_missing_directory_or_files(saved_vec, tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        load_model(tmp_path / "does-not-exist")
    a_file = tmp_path / "model.pkl"
    a_file.write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match="not a model directory"):
        load_model(a_file)
    for name in (CONFIG_NAME, WEIGHTS_NAME):
        d = shutil.copytree(saved_vec, tmp_path / f"without-{name}")
        (d / name).unlink()
        with pytest.raises(FileNotFoundError, match=name.replace(".", r"\.")):
            load_model(d)


def test_corrupted_config(vec_copy):
    (vec_copy / CONFIG_NAME).write_text('{"format": "gan_ova-safe-model", "format_ver')
    with pytest.raises(ValueError, match=r"config\.json.*not valid JSON"):
        load_model(vec_copy)
    (vec_copy / CONFIG_NAME).write_text("[1, 2, 3]")
    with pytest.raises(ValueError, match="not a gan_ova model config"):
        load_model(vec_copy)


@pytest.mark.parametrize("version, match", [(0, "format version 0 is not supported"), (99, "newer gan_ova")])
def test_wrong_format_version(vec_copy, version, match):
    _edit_config(vec_copy, lambda cfg: cfg.update(format_version=version))
    with pytest.raises(ValueError, match=match) as info:
        load_model(vec_copy)
    assert str(vec_copy) in str(info.value)


def test_unknown_estimator_class(vec_copy):
    _edit_config(vec_copy, lambda cfg: cfg.update(estimator="os.system"))
    with pytest.raises(ValueError, match="unknown estimator class 'os.system'"):
        load_model(vec_copy)


def test_unknown_architecture_names(vec_copy):
    def edit(cfg):
        cfg["nets"]["classifier"]["module"] = "builtins.eval"

    _edit_config(vec_copy, edit)
    with pytest.raises(ValueError, match="unknown classifier backbone"):
        load_model(vec_copy)


def test_missing_config_entry(vec_copy):
    _edit_config(vec_copy, lambda cfg: cfg["fitted"].pop("classes"))
    with pytest.raises(ValueError, match="missing entry 'fitted.classes'"):
        load_model(vec_copy)


def test_bad_params_in_config(vec_copy):
    _edit_config(vec_copy, lambda cfg: cfg["params"].update(lambda_cl=-1.0))
    with pytest.raises(ValueError, match="invalid parameters.*lambda_cl"):
        load_model(vec_copy)
    _edit_config(vec_copy, lambda cfg: cfg["params"].update(lambda_cl=1.0, no_such_param=1))
    with pytest.raises(ValueError, match="unknown parameters"):
        load_model(vec_copy)


def test_corrupted_weights(vec_copy):
    raw = (vec_copy / WEIGHTS_NAME).read_bytes()
    (vec_copy / WEIGHTS_NAME).write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"weights\.safetensors.*cannot be read"):
        load_model(vec_copy)
    (vec_copy / WEIGHTS_NAME).write_bytes(b"\x80\x04\x95 definitely a pickle")
    with pytest.raises(ValueError, match="cannot be read"):
        load_model(vec_copy)


def test_weights_not_matching_architecture(vec_copy, vec_model):
    from safetensors.torch import load_file, save_file

    path = str(vec_copy / WEIGHTS_NAME)
    tensors = load_file(path)
    meta = {"format": "gan_ova-safe-model", "format_version": str(FORMAT_VERSION)}
    key = next(k for k in tensors if k.startswith("generator."))
    save_file({k: v for k, v in tensors.items() if k != key}, path, metadata=meta)
    with pytest.raises(ValueError, match="missing"):
        load_model(vec_copy)
    save_file(dict(tensors, **{"autoencoder.x": torch.zeros(1)}), path, metadata=meta)
    with pytest.raises(ValueError, match="unexpected tensors"):
        load_model(vec_copy)
    save_file(tensors, path, metadata=meta)
    _edit_config(vec_copy, lambda cfg: cfg["nets"]["critic"]["kwargs"].update(hidden={"__tuple__": [7]}))
    with pytest.raises(ValueError, match="critic.*shape"):
        load_model(vec_copy)


# ----------------------------------------------------------------------
# errors on save
# ----------------------------------------------------------------------
class _TinyBackbone(torch.nn.Module):
    def __init__(self, input_shape, n_classes, dropout=0.0):
        super().__init__()
        self.lin = torch.nn.Linear(int(np.prod(input_shape)), n_classes)

    def forward(self, x):
        return self.lin(x.flatten(1))


def test_user_backbone_cannot_be_saved(blobs, tmp_path):
    X, y = blobs
    clf = GANShieldedOvAClassifier(backbone=_TinyBackbone, **dict(VEC_SMALL, max_epochs=1, backbone_kwargs=None))
    clf.fit(X, y)
    with pytest.raises(ValueError, match="built-in backbones.*pickle or joblib"):
        save_model(clf, tmp_path / "m")
    assert not (tmp_path / "m" / CONFIG_NAME).exists()
    # a built-in name set after fitting does not hide the custom fitted module
    clf.set_params(backbone="mlp")
    with pytest.raises(ValueError, match="built-in backbones"):
        save_model(clf, tmp_path / "m")


def test_non_json_params_cannot_be_saved(vec_model, tmp_path):
    clf = pickle.loads(pickle.dumps(vec_model))
    clf.set_params(random_state=np.random.RandomState(0))
    with pytest.raises(ValueError, match="random_state.*RandomState"):
        save_model(clf, tmp_path / "m")


def test_unfitted_or_unsupported_estimator(tmp_path):
    with pytest.raises(NotFittedError):
        save_model(GANShieldedOvAClassifier(), tmp_path / "m")

    class Custom(GANShieldedOvAClassifier):
        pass

    with pytest.raises(ValueError, match="save_model supports"):
        save_model(Custom(), tmp_path / "m")


def test_save_overwrites_existing_model(vec_model, img_model, digits, tmp_path):
    X, _ = digits
    save_model(vec_model, tmp_path / "m")
    save_model(img_model, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == sorted([CONFIG_NAME, WEIGHTS_NAME])
    np.testing.assert_array_equal(load_model(tmp_path / "m").predict_proba(X), img_model.predict_proba(X))


def test_tampered_architecture_is_checked_before_allocation(vec_copy):
    """Sizes in config.json are checked against the weights on the meta device: no huge allocation."""
    _edit_config(vec_copy, lambda cfg: cfg["nets"]["generator"]["kwargs"].update(hidden={"__tuple__": [10**12]}))
    with pytest.raises(ValueError, match="generator.*shape"):
        load_model(vec_copy)
    _edit_config(vec_copy, lambda cfg: cfg["nets"]["generator"]["kwargs"].update(
        hidden={"__tuple__": [32]}, evil="x"))
    with pytest.raises(ValueError, match="cannot build 'generator'"):
        load_model(vec_copy)


def test_round_trip_colour_images(tmp_path):
    """Colour images: the residual classifier and the residual cAE."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(64, 3, 8, 8)).astype(np.uint8)
    y = np.repeat([0, 1], 32)
    params = dict(SMALL, cae_max_epochs=1, max_epochs=1, batch_size=32, latent_dim=4, backbone_kwargs={"width": 8})
    clf = GANShieldedOvAClassifier(**params).fit(X, y)
    loaded = load_model(save_model(clf, tmp_path / "m"))
    assert type(loaded.autoencoder_.module_).__name__ == "ResidualCAE"
    _assert_same_outputs(clf, loaded, X)
    _assert_same_state(clf, loaded)


def test_config_saved_before_dropout_existed_loads_as_trained(img_model, digits, tmp_path):
    """A config without ``dropout`` (saved by an older gan_ova) loads with dropout=0, what it was trained with."""
    X, _ = digits
    save_model(img_model, tmp_path / "m")
    assert load_model(tmp_path / "m").dropout == "auto"

    def drop_param(cfg):
        del cfg["params"]["dropout"]

    _edit_config(tmp_path / "m", drop_param)
    old = load_model(tmp_path / "m")
    assert old.dropout == 0.0
    np.testing.assert_array_equal(old.predict_proba(X), img_model.predict_proba(X))
