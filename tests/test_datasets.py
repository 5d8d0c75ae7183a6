"""Tests for gan_ova.datasets (offline, fast)."""

import gzip
import os
import shutil
import struct

import numpy as np
import pytest

from gan_ova import datasets as ds
from gan_ova.datasets import (
    DEBIAN_FASHION_MNIST_DIR,
    load_dataset,
    load_digits_images,
    load_fashion_mnist,
    load_torchvision_dataset,
    make_grid_gaussians,
    make_letters,
    make_moons_2d,
    make_noise_images,
    make_overlapping_gaussians,
    make_two_gaussians,
    parse_classes,
    read_idx,
    split_classes,
    to_shape,
)

HAS_DEBIAN_FMNIST = all(
    os.path.exists(os.path.join(DEBIAN_FASHION_MNIST_DIR, f))
    for f in (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    )
)
needs_debian_fmnist = pytest.mark.skipif(
    not HAS_DEBIAN_FMNIST, reason=f"Fashion-MNIST not installed in {DEBIAN_FASHION_MNIST_DIR}"
)


def _check_images(X, y=None, shape=None):
    assert isinstance(X, np.ndarray)
    assert X.dtype == np.float32
    assert X.ndim == 4
    if shape is not None:
        assert X.shape == shape
    assert X.min() >= 0.0 and X.max() <= 1.0
    if y is not None:
        assert isinstance(y, np.ndarray)
        assert y.dtype == np.int64
        assert y.shape == (X.shape[0],)


def _idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}i", *array.shape)
    return header + array.tobytes()


def _write_idx(path, array, compress=False):
    data = _idx_bytes(array)
    if compress:
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)


def _fake_pair(n, seed=0):
    rng = np.random.RandomState(seed)
    images = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    labels = (np.arange(n) % 10).astype(np.uint8)
    return images, labels


# --------------------------------------------------------------------------
# digits and dispatcher
# --------------------------------------------------------------------------


def test_load_digits_images():
    X, y = load_digits_images()
    _check_images(X, y, shape=(1797, 1, 8, 8))
    assert X.max() == 1.0 and X.min() == 0.0
    assert sorted(np.unique(y).tolist()) == list(range(10))


def test_load_dataset_digits_split_is_deterministic_and_disjoint():
    X_tr, y_tr = load_dataset("digits")
    X_te, y_te = load_dataset("DIGITS", train=False)
    _check_images(X_tr, y_tr, shape=(1257, 1, 8, 8))
    _check_images(X_te, y_te, shape=(540, 1, 8, 8))
    X_tr2, y_tr2 = load_dataset("digits", train=True)
    np.testing.assert_array_equal(X_tr, X_tr2)
    np.testing.assert_array_equal(y_tr, y_tr2)
    # stratified: every class in both parts, in about the same proportion
    assert np.bincount(y_te).min() >= 50


def test_load_dataset_unknown_name():
    with pytest.raises(ValueError, match=r"^name: expected one of \['digits', .*'svhn'\] \(any case\), got 'imagenet'\.$"):
        load_dataset("imagenet")


# --------------------------------------------------------------------------
# IDX parser and Fashion-MNIST
# --------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_roundtrip(tmp_path, compress):
    images, _ = _fake_pair(3)
    path = tmp_path / "x-idx3-ubyte"
    _write_idx(path, images, compress=compress)
    out = read_idx(path)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, images)


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"\x12\x34\x08\x03" + b"\x00" * 20, r"^path: expected an IDX magic number .*, got 0x12340803 in "),
        (b"\x00\x00\x08", r"^path: expected an IDX file starting with a 4-byte magic number, got 3 bytes in "),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", r"^path: expected an IDX header with 3 dimension sizes, got a truncated header"),
        (struct.pack(">BBBBi", 0, 0, 8, 1, 5) + b"\x01\x02", r"^path: expected 5 data bytes for the header shape \(5,\), got 2 in "),
        (gzip.compress(b"\x00\x00\x08\x01" + b"\x00" * 100)[:-12], r"^path: expected an IDX file, plain or gzip-compressed, got a broken gzip stream"),
    ],
)
def test_read_idx_corrupt_raises_valueerror(tmp_path, payload, match):
    path = tmp_path / "bad-idx-ubyte"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=match):
        read_idx(path)


def test_fashion_mnist_corrupt_file_in_root_raises(tmp_path):
    images, labels = _fake_pair(4)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"not an idx file at all")
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels)
    with pytest.raises(ValueError, match=r"^path: expected .*, got .* in '.*t10k-images-idx3-ubyte'\.$"):
        load_fashion_mnist(root=tmp_path, train=False)


def test_fashion_mnist_label_count_mismatch_raises(tmp_path):
    images, labels = _fake_pair(4)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[:3])
    with pytest.raises(ValueError, match=r"^labels: expected as many labels as images \(4 in '.*'\), got 3 in "):
        load_fashion_mnist(root=tmp_path, train=False)


@pytest.mark.parametrize("layout", ["torchvision", "flat"])
def test_fashion_mnist_from_root_layouts(tmp_path, layout):
    images, labels = _fake_pair(6)
    directory = tmp_path / "FashionMNIST" / "raw" if layout == "torchvision" else tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    for prefix in ("train", "t10k"):
        _write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", images, compress=True)
        _write_idx(directory / f"{prefix}-labels-idx1-ubyte", labels)
    X, y = load_fashion_mnist(root=str(tmp_path), train=True)
    _check_images(X, y, shape=(6, 1, 28, 28))
    np.testing.assert_allclose(X[:, 0], images / 255.0, atol=1e-7)
    np.testing.assert_array_equal(y, labels)


@needs_debian_fmnist
def test_fashion_mnist_debian_test_split():
    X, y = load_fashion_mnist(train=False)
    _check_images(X, y, shape=(10000, 1, 28, 28))
    assert np.bincount(y).tolist() == [1000] * 10
    assert X.max() == 1.0 and X.min() == 0.0


@needs_debian_fmnist
def test_fashion_mnist_debian_train_split_via_load_dataset():
    X, y = load_dataset("fashion-mnist")
    _check_images(X, y, shape=(60000, 1, 28, 28))
    assert sorted(np.unique(y).tolist()) == list(range(10))


@needs_debian_fmnist
def test_fashion_mnist_root_copy_of_gz_files(tmp_path):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(os.path.join(DEBIAN_FASHION_MNIST_DIR, name), tmp_path / name)
    X, y = load_fashion_mnist(root=tmp_path, train=False)
    X2, y2 = load_dataset("fashion_mnist", train=False)
    _check_images(X, y, shape=(10000, 1, 28, 28))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_fashion_mnist_not_found(tmp_path, monkeypatch):
    monkeypatch.setattr(ds, "DEBIAN_FASHION_MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"^root: expected a directory holding Fashion-MNIST .*: Fashion-MNIST not found; pass root=.*download=True") as info:
        load_fashion_mnist(root=tmp_path, train=False)
    assert str(tmp_path) in str(info.value)
    assert "dataset-fashion-mnist" in str(info.value)


# --------------------------------------------------------------------------
# torchvision data sets (offline only)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name, display", [
    ("mnist", "MNIST"), ("CIFAR10", "CIFAR-10"), ("cifar100", "CIFAR-100"), ("svhn", "SVHN"),
])
def test_torchvision_missing_data_raises_filenotfound(tmp_path, name, display):
    pytest.importorskip("torchvision")
    with pytest.raises(FileNotFoundError, match=r"^root: expected a directory holding .*, got '.*': .* not found; pass root=.*download=True") as info:
        load_torchvision_dataset(name, root=tmp_path)
    assert display in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_load_dataset_missing_mnist_raises_filenotfound(tmp_path):
    pytest.importorskip("torchvision")
    with pytest.raises(FileNotFoundError, match=r"^root: expected a directory holding MNIST in torchvision's layout, got '"):
        load_dataset("mnist", root=tmp_path, train=False)


def test_torchvision_unknown_name():
    with pytest.raises(ValueError, match=r"^name: expected one of \['cifar10', 'cifar100', 'mnist', 'svhn'\] \(any case\), got 'foo'\.$"):
        load_torchvision_dataset("foo")


def test_torchvision_mnist_from_local_raw_files(tmp_path):
    pytest.importorskip("torchvision")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images, labels = _fake_pair(5, seed=3)
    for prefix in ("train", "t10k"):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    X, y = load_torchvision_dataset("MNIST", root=tmp_path, train=False)
    _check_images(X, y, shape=(5, 1, 28, 28))
    np.testing.assert_allclose(X[:, 0], images / 255.0, atol=1e-7)
    np.testing.assert_array_equal(y, labels)


class _FakeDataset:
    def __init__(self, data, targets=None, labels=None):
        self.data = data
        if targets is not None:
            self.targets = targets
        if labels is not None:
            self.labels = labels


def test_torchvision_to_numpy_layouts():
    rng = np.random.RandomState(0)
    cifar = _FakeDataset(rng.randint(0, 256, (4, 32, 32, 3)).astype(np.uint8), targets=[0, 1, 2, 3])
    X, y = ds._torchvision_to_numpy(cifar)
    _check_images(X, y, shape=(4, 3, 32, 32))
    np.testing.assert_allclose(X[1, 2], cifar.data[1, :, :, 2] / 255.0, atol=1e-7)
    svhn = _FakeDataset(rng.randint(0, 256, (2, 3, 32, 32)).astype(np.uint8), labels=np.array([0, 9]))
    X, y = ds._torchvision_to_numpy(svhn)
    _check_images(X, y, shape=(2, 3, 32, 32))
    assert y.tolist() == [0, 9]


# --------------------------------------------------------------------------
# synthetic images
# --------------------------------------------------------------------------


def test_make_letters_shapes_and_determinism():
    X, y = make_letters(n_per_letter=6, letters="ABC", size=28, random_state=0)
    _check_images(X, y, shape=(18, 1, 28, 28))
    assert y.tolist() == [0] * 6 + [1] * 6 + [2] * 6
    # every image has a visible glyph reaching full white on a black border
    assert np.all(X.reshape(18, -1).max(axis=1) == 1.0)
    assert np.all(X.mean(axis=(1, 2, 3)) < 0.5)
    X2, y2 = make_letters(n_per_letter=6, letters="ABC", size=28, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make_letters(n_per_letter=6, letters="ABC", size=28, random_state=1)
    assert not np.array_equal(X, X3)


def test_make_letters_different_letters_differ():
    X, y = make_letters(n_per_letter=20, letters="AI", size=20, random_state=0)
    _check_images(X, y, shape=(40, 1, 20, 20))
    mean_a, mean_i = X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)
    assert np.abs(mean_a - mean_i).mean() > 0.02
    # 'A' has more ink than 'I'
    assert X[y == 0].sum() > X[y == 1].sum()


def test_make_letters_default_font_fallback(tmp_path, monkeypatch):
    monkeypatch.setattr(ds, "FONT_DIR", str(tmp_path))  # no fonts there
    X, y = make_letters(n_per_letter=2, letters="XY", size=16, random_state=0)
    _check_images(X, y, shape=(4, 1, 16, 16))
    assert X.max() > 0


def test_make_letters_explicit_fonts():
    fonts = ds._find_fonts(ds.FONT_DIR)
    if not fonts:
        pytest.skip("no TrueType fonts installed")
    X, y = make_letters(n_per_letter=3, letters="Q", random_state=0, fonts=fonts[:1])
    _check_images(X, y, shape=(3, 1, 28, 28))
    with pytest.raises(FileNotFoundError, match="^fonts: expected font files, got '/nonexistent/font.ttf', which is not a file"):
        make_letters(n_per_letter=1, fonts=["/nonexistent/font.ttf"])


@pytest.mark.parametrize("kwargs, match", [
    ({"n_per_letter": 0}, r"^n_per_letter: expected a value >= 1, got 0\.$"),
    ({"n_per_letter": 2.5}, r"^n_per_letter: expected an int, got 2\.5\.$"),
    ({"letters": ""}, r"^letters: expected a non-empty string, got ''\.$"),
    ({"letters": "AA"}, r"^letters: expected distinct, non-whitespace characters, got 'AA'\.$"),
    ({"size": 4}, r"^size: expected a value >= 8, got 4\.$"),
])
def test_make_letters_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_letters(**kwargs)


@pytest.mark.parametrize("kind", ["uniform", "gaussian"])
def test_make_noise_images(kind):
    X = make_noise_images(50, shape=(3, 8, 8), kind=kind, random_state=0)
    _check_images(X, shape=(50, 3, 8, 8))
    assert abs(float(X.mean()) - 0.5) < 0.05
    np.testing.assert_array_equal(X, make_noise_images(50, (3, 8, 8), kind, random_state=0))
    assert make_noise_images(2).shape == (2, 1, 28, 28)


def test_make_noise_images_gaussian_is_clipped_normal():
    X = make_noise_images(200, kind="gaussian", random_state=0)
    assert X.min() == 0.0 and X.max() == 1.0
    # N(0.5, 0.25**2) lies outside [0, 1] with probability P(|Z| > 2) ~ 4.6 %
    clipped = np.mean((X == 0) | (X == 1))
    assert 0.035 < clipped < 0.06
    assert abs(float(X.mean()) - 0.5) < 0.01


@pytest.mark.parametrize("kwargs, match", [
    ({"n": -1}, r"^n: expected a value >= 0, got -1\.$"),
    ({"n": 2, "shape": (28, 28)}, r"^shape: expected a tuple \(C, H, W\) of positive ints, got \(28, 28\)\.$"),
    ({"n": 2, "shape": (1, 0, 4)}, r"^shape: expected a tuple \(C, H, W\) of positive ints, got \(1, 0, 4\)\.$"),
    ({"n": 2, "kind": "pink"}, r"^kind: expected one of \['uniform', 'gaussian'\], got 'pink'\.$"),
])
def test_make_noise_images_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_noise_images(**kwargs)


# --------------------------------------------------------------------------
# 2-D toy sets
# --------------------------------------------------------------------------


@pytest.mark.parametrize("maker, n, n_classes", [
    (make_two_gaussians, 400, 2),
    (make_overlapping_gaussians, 400, 2),
    (make_moons_2d, 400, 2),
    (make_grid_gaussians, 900, 9),
])
def test_toy_sets_shapes_and_determinism(maker, n, n_classes):
    X, y = maker(random_state=0)
    assert X.shape == (n, 2) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [n // n_classes] * n_classes
    X2, y2 = maker(random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = maker(n_samples=n_classes * 5 + 1, random_state=1)
    assert X3.shape == (n_classes * 5 + 1, 2)


def test_two_gaussians_separated_vs_overlapping():
    from sklearn.linear_model import LogisticRegression

    Xs, ys = make_two_gaussians(random_state=0)
    Xo, yo = make_overlapping_gaussians(random_state=0)
    acc_sep = LogisticRegression().fit(Xs, ys).score(Xs, ys)
    acc_ovl = LogisticRegression().fit(Xo, yo).score(Xo, yo)
    assert acc_sep > 0.99
    assert 0.6 < acc_ovl < 0.9
    np.testing.assert_allclose(Xs[ys == 1].mean(axis=0) - Xs[ys == 0].mean(axis=0), [8, 0], atol=0.4)


def test_grid_gaussians_centres():
    X, y = make_grid_gaussians(spacing=5.0, std=0.5, random_state=0)
    centres = np.array([X[y == k].mean(axis=0) for k in range(9)])
    expected = np.array([((j - 1) * 5.0, (i - 1) * 5.0) for i in range(3) for j in range(3)])
    np.testing.assert_allclose(centres, expected, atol=0.2)


@pytest.mark.parametrize("maker, kwargs, match", [
    (make_two_gaussians, {"n_samples": 1}, r"^n_samples: expected a value >= 2, got 1\.$"),
    (make_two_gaussians, {"std": 0.0}, r"^std: expected a value > 0, got 0\.0\.$"),
    (make_overlapping_gaussians, {"distance": -1.0}, r"^distance: expected a value >= 0, got -1\.0\.$"),
    (make_moons_2d, {"noise": -0.1}, r"^noise: expected a value >= 0, got -0\.1\.$"),
    (make_grid_gaussians, {"n_samples": 8}, r"^n_samples: expected a value >= 9, got 8\.$"),
    (make_grid_gaussians, {"spacing": 0}, r"^spacing: expected a value > 0, got 0\.$"),
])
def test_toy_sets_errors(maker, kwargs, match):
    with pytest.raises(ValueError, match=match):
        maker(**kwargs)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


@pytest.mark.parametrize("spec, expected", [
    ("0-4", [0, 1, 2, 3, 4]),
    ("0,2,5-7", [0, 2, 5, 6, 7]),
    (" 3 , 1 - 2 ", [1, 2, 3]),
    ("7", [7]),
    ("2-2", [2]),
    ("0-2,1", [0, 1, 2]),
    ([0, 3, 1], [0, 1, 3]),
    ((5,), [5]),
    (np.array([2, 4]), [2, 4]),
    (6, [6]),
    (np.int64(6), [6]),
])
def test_parse_classes(spec, expected):
    out = parse_classes(spec)
    assert out == expected
    assert all(type(c) is int for c in out)


@pytest.mark.parametrize("spec", [
    "", " ", "a", "1-", "-1", "1--3", "1-2-3", "4-1", "1,,2", "1.5", [], [1, -2], [1.0], [True], None,
])
def test_parse_classes_errors(spec):
    with pytest.raises(ValueError, match=r"^spec: expected .+, got .+\.$"):
        parse_classes(spec)


def test_split_classes_keeps_original_labels():
    X, y = load_digits_images()
    X_in, y_in, X_out, y_out = split_classes(X, y, "5-9")
    assert len(X_in) + len(X_out) == len(X)
    assert set(np.unique(y_in).tolist()) == {5, 6, 7, 8, 9}
    assert set(np.unique(y_out).tolist()) == {0, 1, 2, 3, 4}
    assert X_in.shape[1:] == X.shape[1:] and y_in.dtype == np.int64
    np.testing.assert_array_equal(X_in, X[y >= 5])
    X_in2, y_in2, _, _ = split_classes(X, y, [5, 6, 7, 8, 9])
    np.testing.assert_array_equal(y_in, y_in2)


def test_split_classes_errors():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"^in_classes: expected classes that occur in y \(\[0, 1\]\), got '0,3', with \[3\] not in y\.$"):
        split_classes(X, y, "0,3")
    with pytest.raises(ValueError, match=r"^X: expected as many samples as y has labels \(4\), got 3\.$"):
        split_classes(X[:3], y, "0")
    with pytest.raises(ValueError, match=r"^y: expected a 1-D array of labels, got an array of shape \(4, 1\)\.$"):
        split_classes(X, y[:, None], "0")


def test_to_shape_grey_to_colour_and_upsize():
    X, _ = load_digits_images()
    out = to_shape(X[:20], (3, 28, 28))
    _check_images(out, shape=(20, 3, 28, 28))
    np.testing.assert_array_equal(out[:, 0], out[:, 1])
    np.testing.assert_array_equal(out[:, 0], out[:, 2])
    back = to_shape(out, (1, 8, 8))
    _check_images(back, shape=(20, 1, 8, 8))
    assert np.abs(back - X[:20]).mean() < 0.1


def test_to_shape_colour_to_grey_luminance():
    X = np.zeros((3, 3, 4, 4), dtype=np.float32)
    for c in range(3):
        X[c, c] = 1.0  # pure red, green, blue images
    out = to_shape(X, (1, 4, 4))
    _check_images(out, shape=(3, 1, 4, 4))
    np.testing.assert_allclose(out[:, 0, 0, 0], [0.299, 0.587, 0.114], rtol=1e-6)


def test_to_shape_downsize_antialias_and_constant_images():
    X = make_noise_images(5, shape=(1, 28, 28), random_state=0)
    out = to_shape(X, (1, 7, 7))
    _check_images(out, shape=(5, 1, 7, 7))
    # anti-aliased downsizing averages the noise
    assert out.std() < X.std() / 2
    const = np.full((2, 3, 8, 8), 0.25, dtype=np.float32)
    np.testing.assert_allclose(to_shape(const, (3, 32, 32)), 0.25, atol=1e-6)
    np.testing.assert_allclose(to_shape(const, (3, 32, 32), batch_size=1), 0.25, atol=1e-6)


def test_to_shape_identity_copies_and_clips():
    X = np.array([[[[1.5, -0.5], [0.2, 0.4]]]], dtype=np.float64)
    out = to_shape(X, (1, 2, 2))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0], [[1.0, 0.0], [0.2, 0.4]], rtol=1e-6)
    assert to_shape(np.zeros((0, 1, 8, 8)), (3, 4, 4)).shape == (0, 3, 4, 4)


@pytest.mark.parametrize("X, shape, match", [
    (np.zeros((2, 8, 8)), (1, 8, 8), r"^X: expected a 4-D image array \(n, C, H, W\), got shape \(2, 8, 8\)\.$"),
    (np.zeros((2, 2, 8, 8)), (1, 8, 8), r"^X: expected 1 or 3 channels \(C in \(n, C, H, W\)\), got shape \(2, 2, 8, 8\)\.$"),
    (np.zeros((2, 1, 8, 8)), (2, 8, 8), r"^shape: expected 1 or 3 channels \(C in \(C, H, W\)\), got \(2, 8, 8\)\.$"),
    (np.zeros((2, 1, 8, 8)), (8, 8), r"^shape: expected a tuple \(C, H, W\) of positive ints, got \(8, 8\)\.$"),
    (np.zeros((2, 1, 8, 8)), (1, 0, 8), r"^shape: expected a tuple \(C, H, W\) of positive ints, got \(1, 0, 8\)\.$"),
])
def test_to_shape_errors(X, shape, match):
    with pytest.raises(ValueError, match=match):
        to_shape(X, shape)
