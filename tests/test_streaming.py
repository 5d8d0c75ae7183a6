"""Fitting and predicting from a torch Dataset (gan_ova._streaming): same model as from arrays, clear errors."""

import os

import numpy as np
import pytest
import torch
from PIL import Image

from gan_ova import GANShieldedOvAClassifier, _streaming
from gan_ova.baselines import SoftmaxClassifier
from gan_ova.persistence import load_model, save_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = dict(
    cae_max_epochs=2, max_epochs=2, batch_size=32, latent_dim=8, noise_dim=8,
    generator_hidden=(32,), critic_hidden=(32,), random_state=0,
)


class ArrayDataset(torch.utils.data.Dataset):
    """(image tensor (C, H, W), int label) items over arrays, as a user would write it."""

    def __init__(self, X, y, transform=torch.from_numpy):
        self.X, self.y, self.transform = X, y, transform

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.transform(self.X[i]), int(self.y[i])


class Counting(ArrayDataset):
    """Counts item reads (to check that fit reads items, never the whole array)."""

    reads = 0

    def __getitem__(self, i):
        type(self).reads += 1
        return super().__getitem__(i)


@pytest.fixture(scope="module")
def data():
    from gan_ova.datasets import load_digits_images

    X, y = load_digits_images()
    keep = np.flatnonzero(y < 3)[:150]
    return X[keep], y[keep]


@pytest.fixture(scope="module")
def pair(data):
    """The same fit from arrays and from a Dataset (temperature calibration: streams the validation split)."""
    X, y = data
    kw = dict(SMALL, calibration="temperature")
    from_array = GANShieldedOvAClassifier(**kw).fit(X, y)
    from_dataset = GANShieldedOvAClassifier(**kw).fit(ArrayDataset(X, y))
    return from_array, from_dataset


def test_dataset_fit_equals_array_fit(pair, data):
    X, _ = data
    a, d = pair
    np.testing.assert_array_equal(d.classes_, a.classes_)
    assert d.image_shape_ == a.image_shape_ == (1, 8, 8)
    assert d.n_features_in_ == 64
    np.testing.assert_array_equal(d.latent_mean_, a.latent_mean_)
    np.testing.assert_array_equal(d.predict_proba(X), a.predict_proba(X))
    assert d.calibration_temperature_ == a.calibration_temperature_ != 1.0
    # the epoch logs agree too (validation losses, shield diagnostics from the streamed subset)
    for key in ("valid_loss", "valid_acc", "shield_ratio"):
        assert d.shielding_net_.history[:, key] == a.shielding_net_.history[:, key]
    assert d.autoencoder_.history[:, "valid_loss"] == a.autoencoder_.history[:, "valid_loss"]


def test_predict_from_dataset_equals_predict_from_array(pair, data):
    X, y = data
    _, d = pair
    ds = ArrayDataset(X, y)
    np.testing.assert_array_equal(d.predict_proba(ds), d.predict_proba(X))
    np.testing.assert_array_equal(d.predict(ds), d.predict(X))
    np.testing.assert_array_equal(d.score_samples(ds), d.score_samples(X))
    np.testing.assert_array_equal(d.decision_function(ds), d.decision_function(X))
    u_ds, u_arr = d.predict_uncertainty(ds), d.predict_uncertainty(X)
    for key in ("aleatoric", "epistemic", "ova_proba"):
        np.testing.assert_array_equal(u_ds[key], u_arr[key])


def test_uint8_items_are_scaled_like_uint8_arrays(data):
    X, y = data
    X8 = np.rint(X * 255).astype(np.uint8)
    a = GANShieldedOvAClassifier(**SMALL, validation_fraction=0).fit(X8, y)
    d = GANShieldedOvAClassifier(**SMALL, validation_fraction=0).fit(ArrayDataset(X8, y))
    assert d.input_is_uint8_ and a.input_is_uint8_
    np.testing.assert_array_equal(d.predict_proba(X8), a.predict_proba(X8))
    np.testing.assert_array_equal(d.predict_proba(ArrayDataset(X8, y)), a.predict_proba(X8))
    assert d.sample_out_of_class(2, random_state=0)[0].dtype == np.uint8


def test_fit_reads_items_never_the_array(data):
    X, y = data
    Counting.reads = 0
    ds = Counting(X, y)
    GANShieldedOvAClassifier(**dict(SMALL, cae_max_epochs=1, max_epochs=1)).fit(ds)
    # label pass (no targets attribute), 1 autoencoder epoch, the encoding pass, 1 stage-2 epoch,
    # validation, shield-diagnostics subset: a few reads per item, not one
    assert Counting.reads > 3 * len(X)


def test_mc_dropout_streamed_prediction_equals_array(pair, data):
    X, y = data
    d = pair[1]
    mc = GANShieldedOvAClassifier(**dict(SMALL, mc_dropout=0.3, mc_samples=3, max_epochs=1)).fit(ArrayDataset(X, y))
    np.testing.assert_array_equal(mc.predict_proba(ArrayDataset(X, y)), mc.predict_proba(X))
    assert d.predict_proba(X[:5]).shape == (5, 3)


def test_shield_diagnostics_from_dataset(pair, data):
    X, y = data
    d = pair[1]
    a = d.shield_diagnostics(ArrayDataset(X, y), n_per_class=8)
    b = d.shield_diagnostics(X, y, n_per_class=8)
    np.testing.assert_array_equal(a.real_codes, b.real_codes)
    np.testing.assert_allclose(a.distance_ratio, b.distance_ratio)
    with pytest.raises(ValueError, match="y: expected None when X is a torch Dataset"):
        d.shield_diagnostics(ArrayDataset(X, y), y)


def test_shield_residuals_from_dataset_match_arrays(data):
    X, y = data
    kw = dict(SMALL, shield_residuals=True, max_epochs=1)
    a = GANShieldedOvAClassifier(**kw).fit(ArrayDataset(X, y))
    b = GANShieldedOvAClassifier(**kw).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    da, db = a.shield_diagnostics(ArrayDataset(X, y), n_per_class=8), b.shield_diagnostics(X, y, n_per_class=8)
    np.testing.assert_allclose(da.own_head_p, db.own_head_p, rtol=1e-6)


def test_image_folder_with_transforms(tmp_path, data):
    tv = pytest.importorskip("torchvision")
    X, y = data
    for k in range(3):
        os.makedirs(tmp_path / f"class_{k}")
        for j, i in enumerate(np.flatnonzero(y == k)[:20]):
            Image.fromarray(np.rint(X[i, 0] * 255).astype(np.uint8), mode="L").convert("RGB").save(
                tmp_path / f"class_{k}" / f"{j}.png"
            )
    tf = tv.transforms.Compose([tv.transforms.Grayscale(1), tv.transforms.ToTensor()])
    folder = tv.datasets.ImageFolder(str(tmp_path), transform=tf)
    clf = GANShieldedOvAClassifier(**dict(SMALL, batch_size=16)).fit(folder)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])  # ImageFolder's class indices
    proba = clf.predict_proba(folder)
    assert proba.shape == (60, 3) and np.allclose(proba.sum(1), 1)
    # the same pixels as an array give the same predictions
    arr = np.stack([folder[i][0].numpy() for i in range(len(folder))])
    np.testing.assert_array_equal(proba, clf.predict_proba(arr))


def test_code_cache_memmap_path_equals_memory_path(pair, data, monkeypatch, tmp_path):
    X, y = data
    made = []
    real_cache = _streaming.CodeCache

    class Spy(real_cache):
        def __init__(self, n, dim):
            super().__init__(n, dim)
            made.append(self)

    monkeypatch.setattr(_streaming, "CodeCache", Spy)
    monkeypatch.setattr(_streaming, "CODE_CACHE_MEMMAP_BYTES", 100)  # 150 x 8 floats > 100 bytes
    monkeypatch.setattr(_streaming, "CODE_CACHE_DIR", str(tmp_path))
    d = GANShieldedOvAClassifier(**dict(SMALL, calibration="temperature")).fit(ArrayDataset(X, y))
    assert len(made) == 1 and made[0].path is not None and made[0].path.startswith(str(tmp_path))
    assert made[0].array is None and not os.path.exists(made[0].path)  # removed when the fit ended
    assert os.listdir(tmp_path) == []
    np.testing.assert_array_equal(d.predict_proba(X), pair[1].predict_proba(X))


def test_code_cache_removed_when_fit_fails(data, monkeypatch, tmp_path):
    X, y = data
    monkeypatch.setattr(_streaming, "CODE_CACHE_MEMMAP_BYTES", 100)
    monkeypatch.setattr(_streaming, "CODE_CACHE_DIR", str(tmp_path))

    def boom(self, *args, **kwargs):
        assert len(os.listdir(tmp_path)) == 1  # the cache exists during stage 2
        raise RuntimeError("stage 2 failed")

    monkeypatch.setattr(GANShieldedOvAClassifier, "_fit_shielding", boom)
    with pytest.raises(RuntimeError, match="stage 2 failed"):
        GANShieldedOvAClassifier(**SMALL).fit(ArrayDataset(X, y))
    assert os.listdir(tmp_path) == []


def test_fitted_model_holds_no_reference_to_the_dataset(pair):
    d = pair[1]
    assert d.autoencoder_.train_split is None and d.shielding_net_.train_split is None


def test_save_and_load_model_fitted_from_dataset(pair, data, tmp_path):
    X, y = data
    d = pair[1]
    save_model(d, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.get_params()["num_workers"] == 0 and loaded.get_params()["pin_memory"] is False
    np.testing.assert_array_equal(loaded.predict_proba(ArrayDataset(X, y)), d.predict_proba(X))


def test_num_workers_and_pin_memory(data):
    X, y = data
    kw = dict(SMALL, cae_max_epochs=1, max_epochs=1, validation_fraction=0)
    ref = GANShieldedOvAClassifier(**kw).fit(ArrayDataset(X, y))
    clf = GANShieldedOvAClassifier(**kw, num_workers=1, pin_memory=True).fit(ArrayDataset(X, y))
    # workers do not change the result (the batch order comes from the fit's seeded RNG)
    np.testing.assert_array_equal(clf.predict_proba(ArrayDataset(X, y)), ref.predict_proba(X))
    assert clf._loader_kwargs() == {"num_workers": 1, "pin_memory": False}  # no pinning without CUDA


@pytest.mark.parametrize(
    "params, match",
    [
        ({"num_workers": -1}, "num_workers: expected a value >= 0, got -1"),
        ({"num_workers": 1.5}, "num_workers: expected an int, got 1.5"),
        ({"pin_memory": "yes"}, "pin_memory: expected True or False, got 'yes'"),
    ],
)
def test_bad_loader_params(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        GANShieldedOvAClassifier(**params).fit(X, y)


class Items(torch.utils.data.Dataset):
    def __init__(self, make, n=40):
        self.make, self.n = make, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.make(i)


def _img(i):
    return torch.full((1, 8, 8), 0.5)


@pytest.mark.parametrize(
    "X, exc, match",
    [
        (Items(lambda i: _img(i)), TypeError, r"item 0 of the dataset: expected an \(image, label\) pair, got a Tensor"),
        (Items(lambda i: (_img(i), i % 2, 0)), TypeError, "expected an \\(image, label\\) pair, got a tuple of length 3"),
        (Items(lambda i: (np.zeros((1, 8, 8)), i % 2)), TypeError, "expected the image to be a torch.Tensor.*got ndarray"),
        (Items(lambda i: (Image.new("L", (8, 8)), i % 2)), TypeError, r"Add torchvision.transforms.ToTensor\(\)"),
        (Items(lambda i: (torch.zeros(8, 8), i % 2)), ValueError, r"expected a 3-D image tensor \(C, H, W\), got shape \(8, 8\).*unsqueeze"),
        (Items(lambda i: (torch.zeros(1, 8, 8, dtype=torch.int64), i % 2)), ValueError, "expected a uint8 or float image, got torch.int64"),
        (Items(lambda i: (_img(i), "cat")), TypeError, "item 0 of the dataset: expected an int label, got 'cat'"),
        (Items(lambda i: (_img(i), 0.5)), TypeError, "expected an int label, got 0.5"),
        (Items(lambda i: (_img(i), i % 2), n=0), ValueError, "expected a dataset with at least 1 item"),
        (Items(lambda i: (_img(i) * (3 if i == 7 else 1), i % 2)), ValueError,
         r"item 7 of the dataset has pixel values spanning \[1.5, 1.5\]; float images must lie in \[0, 1\]"),
        (Items(lambda i: (torch.zeros(1, 8, 8 if i != 5 else 9), i % 2)), ValueError,
         r"item 5 of the dataset: expected an image of shape \(1, 8, 8\).*got \(1, 8, 9\)"),
        (Items(lambda i: (_img(i).to(torch.uint8) if i == 3 else _img(i), i % 2)), ValueError,
         "item 3 of the dataset: expected a float image like the first item, got torch.uint8"),
        (torch.utils.data.DataLoader(ArrayDataset(np.zeros((4, 1, 8, 8), np.float32), [0, 1, 0, 1])), TypeError,
         r"got a torch DataLoader. Pass its dataset \(loader.dataset\)"),
    ],
)
def test_bad_datasets(X, exc, match):
    with pytest.raises(exc, match=match):
        GANShieldedOvAClassifier(**dict(SMALL, cae_max_epochs=1, max_epochs=1)).fit(X)


def test_iterable_dataset_is_refused():
    class Stream(torch.utils.data.IterableDataset):
        def __iter__(self):
            yield torch.zeros(1, 8, 8), 0

    with pytest.raises(TypeError, match="got an IterableDataset \\(Stream\\), which cannot be read by index"):
        GANShieldedOvAClassifier().fit(Stream())


def test_dataset_with_y_and_array_without_y(data):
    X, y = data
    with pytest.raises(ValueError, match=r"y: expected None when X is a torch Dataset .*ndarray of shape \(150,\)"):
        GANShieldedOvAClassifier(**SMALL).fit(ArrayDataset(X, y), y)
    with pytest.raises(ValueError, match="y: expected array-like labels .* with array X, got None"):
        GANShieldedOvAClassifier(**SMALL).fit(X)


def test_bad_combinations_with_a_dataset(data):
    X, y = data
    with pytest.raises(ValueError, match="far_field: 'on' needs the training images in memory"):
        GANShieldedOvAClassifier(**dict(SMALL, far_field="on")).fit(ArrayDataset(X, y))
    with pytest.raises(ValueError, match=r"image_shape: \(1, 4, 16\) does not match the shape of the images in X \(1, 8, 8\)"):
        GANShieldedOvAClassifier(**dict(SMALL, image_shape=(1, 4, 16))).fit(ArrayDataset(X, y))


def test_predict_errors(pair, data):
    X, y = data
    d = pair[1]
    big = ArrayDataset(np.zeros((4, 1, 9, 9), np.float32), [0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"X: expected images of shape \(1, 8, 8\) \(as in fit\), got \(1, 9, 9\)"):
        d.predict_proba(big)
    with pytest.raises(TypeError, match="got a torch DataLoader"):
        d.predict(torch.utils.data.DataLoader(ArrayDataset(X, y)))


def test_vector_model_refuses_a_dataset(data):
    from sklearn.datasets import make_blobs

    X, y = data
    Xv, yv = make_blobs(60, centers=2, random_state=0)
    clf = GANShieldedOvAClassifier(max_epochs=1, batch_size=16, generator_hidden=(8,), critic_hidden=(8,)).fit(Xv, yv)
    with pytest.raises(ValueError, match="this model was fitted on feature vectors; got a Dataset of images"):
        clf.predict_proba(ArrayDataset(X, y))


def test_baseline_refuses_a_dataset(data):
    X, y = data
    with pytest.raises(TypeError, match="SoftmaxClassifier accepts arrays .* streaming from a Dataset is supported by GANShieldedOvAClassifier"):
        SoftmaxClassifier(max_epochs=1).fit(ArrayDataset(X, y))
    fitted = SoftmaxClassifier(max_epochs=1, batch_size=32, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="SoftmaxClassifier accepts arrays"):
        fitted.predict(ArrayDataset(X, y))


def test_checkpoint_from_dataset_resumes_array_checkpoint(data, tmp_path):
    """The fingerprint hashes the streamed images' bytes: the same as the array's, so a dataset fit resumes it."""
    X, y = data
    kw = dict(SMALL, checkpoint_dir=str(tmp_path))
    a = GANShieldedOvAClassifier(**kw).fit(X, y)
    d = GANShieldedOvAClassifier(**kw, num_workers=0).fit(ArrayDataset(X, y))  # restores, no training
    np.testing.assert_array_equal(d.predict_proba(X), a.predict_proba(X))
    other = ArrayDataset(X[::-1].copy(), y[::-1].copy())
    with pytest.raises(ValueError, match="belongs to a different fit"):
        GANShieldedOvAClassifier(**kw).fit(other)
