"""Fitting and predicting from a ``torch.utils.data.Dataset`` of images without loading it into memory.

The estimator reads a map-style Dataset whose items are ``(image, label)``
pairs -- ``image`` a ``(C, H, W)`` tensor (uint8, or floats in [0, 1]; see
``pixel_scale``), ``label`` an int -- through ``DataLoader`` s, by index:

* :class:`ImageSource` wraps the user's Dataset (optionally restricted to some
  indices) and turns item ``i`` into a checked float32 image in [0, 1], the
  values the array path computes for the same pixels;
* :class:`Stage1Items`, :class:`Stage2Items` and :class:`ImageItems` serve the
  items that skorch serves from arrays (``({"x", "y_onehot"}, x)`` for the
  autoencoder, ``({"x", "z"}, label)`` for stage 2, the image alone for
  prediction), so both paths train on identical batches;
* :class:`CodeCache` holds the latent codes of the training set, in memory or,
  above :data:`CODE_CACHE_MEMMAP_BYTES`, in a ``np.memmap`` in a temporary
  folder deleted when the fit ends.

Only the labels (read from ``dataset.targets`` when it has them, else in one
pass over the dataset) and the codes are held in memory; images are read as
batches are drawn.
"""

from __future__ import annotations

import numbers
import os
import shutil
import tempfile

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset
from torch.utils.data import Dataset as TorchDataset

from ._validation import pixel_range_rule

__all__ = [
    "CODE_CACHE_MEMMAP_BYTES",
    "CodeCache",
    "ImageItems",
    "ImageSource",
    "Stage1Items",
    "Stage2Items",
    "check_fit_dataset",
    "check_predict_dataset",
    "is_dataset_input",
    "read_labels",
]

#: Size in bytes (``n_samples * latent_dim * 4``) above which the cached latent
#: codes of a streamed fit are written to a ``np.memmap`` in a temporary folder
#: (under :data:`CODE_CACHE_DIR`) instead of being held in memory. 256 MiB:
#: about 2 million codes of 32 floats.
CODE_CACHE_MEMMAP_BYTES = 256 * 2**20

#: Folder for the memory-mapped code cache; None: the system's temporary
#: folder (``tempfile.gettempdir()``, i.e. ``$TMPDIR``).
CODE_CACHE_DIR = None

#: Rows per forward pass of the encoder over the dataset (as ``AutoencoderNet.encode``).
ENCODE_BATCH_SIZE = 1024

_ACCEPTED = (
    "a torch.utils.data.Dataset (map-style, with __len__ and __getitem__) whose items are "
    "(image, label) pairs, image a (C, H, W) torch tensor (uint8, or floats in [0, 1]) and label an int"
)


def is_dataset_input(X):
    """Whether ``X`` is a torch Dataset or DataLoader (the streaming path handles and checks both)."""
    return isinstance(X, (TorchDataset, DataLoader))


def _check_dataset_type(X, what="X"):
    if isinstance(X, DataLoader):
        raise TypeError(
            f"{what}: expected an array or {_ACCEPTED}; got a torch DataLoader. Pass its dataset "
            "(loader.dataset): gan_ova builds its own loaders (set batch_size, num_workers and pin_memory "
            "on the estimator)."
        )
    if isinstance(X, IterableDataset):
        raise TypeError(
            f"{what}: expected an array or {_ACCEPTED}; got an IterableDataset ({type(X).__name__}), "
            "which cannot be read by index (training shuffles and splits by index)."
        )
    try:
        n = len(X)
    except TypeError:
        raise TypeError(
            f"{what}: expected {_ACCEPTED}; {type(X).__name__} has no __len__."
        ) from None
    return int(n)


def _is_int_label(value):
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Integral):
        return True
    if isinstance(value, torch.Tensor):
        return value.ndim == 0 and not value.dtype.is_floating_point and not value.dtype.is_complex and (
            value.dtype != torch.bool
        )
    return False


def _split_item(item, index, what="X"):
    """``(image, label)`` of one item, or a TypeError saying what an item must be."""
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        got = f"a {type(item).__name__}" + (f" of length {len(item)}" if isinstance(item, (tuple, list)) else "")
        raise TypeError(f"{what}: item {index} of the dataset: expected an (image, label) pair, got {got}.")
    image, label = item
    if not isinstance(image, torch.Tensor):
        hint = ""
        if type(image).__module__.startswith("PIL"):
            hint = " Add torchvision.transforms.ToTensor() (or PILToTensor()) to the dataset's transform."
        elif isinstance(image, np.ndarray):
            hint = " Convert it with torch.from_numpy in the dataset's __getitem__ or transform."
        raise TypeError(
            f"{what}: item {index} of the dataset: expected the image to be a torch.Tensor of shape (C, H, W), "
            f"got {type(image).__name__}.{hint}"
        )
    return image, label


def _check_image(image, index, image_shape=None, uint8=None, what="X"):
    """Raise unless ``image`` is a 3-D uint8/float tensor (of ``image_shape`` and the dtype kind ``uint8``, if given)."""
    if image.ndim != 3:
        hint = " (a grey image of shape (H, W) needs the channel axis: image.unsqueeze(0))" if image.ndim == 2 else ""
        raise ValueError(
            f"{what}: item {index} of the dataset: expected a 3-D image tensor (C, H, W), got shape "
            f"{tuple(image.shape)}{hint}."
        )
    if not (image.dtype == torch.uint8 or image.dtype.is_floating_point):
        raise ValueError(f"{what}: item {index} of the dataset: expected a uint8 or float image, got {image.dtype}.")
    if image_shape is not None and tuple(image.shape) != tuple(image_shape):
        raise ValueError(
            f"{what}: item {index} of the dataset: expected an image of shape {tuple(image_shape)} (as the "
            f"first item{', and as in fit' if what == 'X' else ''}), got {tuple(image.shape)}; resize the images "
            "in the dataset's transform (e.g. transforms.Resize)."
        )
    if uint8 is not None and (image.dtype == torch.uint8) != uint8:
        raise ValueError(
            f"{what}: item {index} of the dataset: expected a {'uint8' if uint8 else 'float'} image like the "
            f"first item, got {image.dtype}."
        )


class ImageSource:
    """A checked map-style Dataset of images, read item by item as float32 tensors in [0, 1].

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        Items ``(image, label)``; only the image is read here.
    image_shape : tuple (C, H, W)
        The shape every image must have.
    divisor : float
        Pixels are divided by it (255 for uint8 with ``pixel_scale="auto"``).
    uint8 : bool
        Whether the images are uint8 (every item must agree with the first).
    pixel_scale : "auto" or float
        For the out-of-range error message.
    loader_kwargs : dict
        ``num_workers`` and ``pin_memory`` of the DataLoaders built here.
    indices : ndarray of int or None, default=None
        Restrict the source to these dataset indices, in this order.
    """

    def __init__(self, dataset, image_shape, divisor, uint8, pixel_scale, loader_kwargs, indices=None):
        self.dataset = dataset
        self.image_shape = tuple(int(s) for s in image_shape)
        self.divisor = float(divisor)
        self.uint8 = bool(uint8)
        self.pixel_scale = pixel_scale
        self.loader_kwargs = dict(loader_kwargs)
        self.indices = None if indices is None else np.asarray(indices, dtype=np.int64)

    def __len__(self):
        return len(self.dataset) if self.indices is None else len(self.indices)

    @property
    def shape(self):
        """``(n,) + image_shape``, as an array of the images would have."""
        return (len(self),) + self.image_shape

    def take(self, indices):
        """The source restricted to ``indices`` (positions in this source)."""
        indices = np.asarray(indices, dtype=np.int64)
        composed = indices if self.indices is None else self.indices[indices]
        return ImageSource(self.dataset, self.image_shape, self.divisor, self.uint8, self.pixel_scale,
                           self.loader_kwargs, composed)

    def __getitem__(self, rows):
        """Images ``rows`` (a slice) as one float32 tensor ``(b, C, H, W)``, read in this process."""
        if not isinstance(rows, slice):
            raise TypeError(f"ImageSource: expected a slice of rows, got {type(rows).__name__}; use take(indices).")
        js = range(*rows.indices(len(self)))
        if not len(js):
            return torch.zeros((0,) + self.image_shape)
        return torch.stack([self.image(j) for j in js])

    def dataset_index(self, j):
        return int(j) if self.indices is None else int(self.indices[j])

    def image(self, j):
        """Image ``j`` of the source as a float32 tensor in [0, 1] (ValueError naming the item if out of range)."""
        i = self.dataset_index(j)
        image, _ = _split_item(self.dataset[i], i)
        _check_image(image, i, self.image_shape, self.uint8)
        x = image.to(torch.float32) / torch.tensor(self.divisor, dtype=torch.float32)
        if not self.uint8 or self.divisor != 255.0:
            lo, hi = float(x.min()), float(x.max())
            if lo < -1e-6 or hi > 1 + 1e-6:
                how = pixel_range_rule(self.pixel_scale)
                raise ValueError(
                    f"X: item {i} of the dataset has pixel values spanning [{lo * self.divisor:g}, "
                    f"{hi * self.divisor:g}]; {how}. Return uint8 images or floats in [0, 1] (e.g. "
                    "transforms.ToTensor()), or set pixel_scale to the maximum pixel value."
                )
        return x.clamp_(0.0, 1.0)

    def loader(self, items, batch_size, shuffle=False):
        """A DataLoader over ``items`` with this source's ``num_workers``/``pin_memory``.

        Its own torch generator keeps the global RNG untouched (a DataLoader
        draws a seed when iterated), so these passes do not change a fit.
        """
        return DataLoader(items, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(0),
                          **self.loader_kwargs)

    def batches(self, batch_size):
        """Consecutive batches of images, float32 tensors ``(b, C, H, W)`` (used by ``module_logits``)."""
        return iter(self.loader(ImageItems(self), batch_size))

    def hash_into(self, h, batch_size=ENCODE_BATCH_SIZE):
        """Feed the images' float32 bytes to the hash ``h``: the same bytes as the equivalent array's ``tobytes()``."""
        for batch in self.batches(batch_size):
            h.update(batch.numpy().tobytes())


class ImageItems(TorchDataset):
    """Item ``j``: image ``j`` of an :class:`ImageSource` (prediction)."""

    def __init__(self, source):
        self.source = source

    def __len__(self):
        return len(self.source)

    def __getitem__(self, j):
        return self.source.image(j)


class Stage1Items(TorchDataset):
    """Items of the autoencoder net: ``({"x": image, "y_onehot": onehot}, image)``, as skorch serves them from arrays.

    Parameters
    ----------
    source : ImageSource
    y_idx : ndarray of int
        Class index of each item of ``source``.
    n_classes : int
    """

    def __init__(self, source, y_idx, n_classes):
        self.source = source
        self.y_idx = np.asarray(y_idx, dtype=np.int64)
        self.eye = np.eye(n_classes, dtype=np.float32)

    def __len__(self):
        return len(self.source)

    def __getitem__(self, j):
        x = self.source.image(j)
        return {"x": x, "y_onehot": torch.from_numpy(self.eye[self.y_idx[j]])}, x


class Stage2Items(TorchDataset):
    """Items of the stage-2 net: ``({"x": image, "z": code}, label)``, as skorch serves them from arrays.

    Parameters
    ----------
    source : ImageSource
    codes : ndarray or np.memmap of shape (n, latent_dim)
        Standardized codes of every item of the *whole* dataset.
    positions : ndarray of int
        For each item of ``source``, its row in ``codes``.
    y_idx : ndarray of int
        Class index of each item of ``source``.
    """

    def __init__(self, source, codes, positions, y_idx):
        self.source = source
        self.codes = codes
        self.positions = np.asarray(positions, dtype=np.int64)
        self.labels = np.asarray(y_idx, dtype=np.int64)

    def __len__(self):
        return len(self.source)

    def __getitem__(self, j):
        z = torch.from_numpy(np.array(self.codes[self.positions[j]], dtype=np.float32))
        return {"x": self.source.image(j), "z": z}, self.labels[j]

    def stage2_arrays(self, keep):
        """``(x, z, y)`` arrays of the items at positions ``keep`` (for the shield diagnostics callback)."""
        keep = np.asarray(keep, dtype=np.int64)
        x = np.stack([self.source.image(j).numpy() for j in keep]) if len(keep) else np.zeros((0,) + self.source.image_shape, np.float32)
        z = np.asarray(self.codes[self.positions[keep]], dtype=np.float32)
        return x, z, self.labels[keep]


class _OneHotImages(TorchDataset):
    """``(image, onehot)`` pairs for the encoding pass."""

    def __init__(self, source, y_idx, n_classes):
        self.items = Stage1Items(source, y_idx, n_classes)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, j):
        Xi, _ = self.items[j]
        return Xi["x"], Xi["y_onehot"]


class CodeCache:
    """The latent codes of a streamed fit: ``array`` in memory, or a ``np.memmap`` in a temporary folder.

    The memmap is used when ``n * dim * 4`` bytes exceed
    :data:`CODE_CACHE_MEMMAP_BYTES`; :meth:`close` drops the array and
    deletes the folder.
    """

    def __init__(self, n, dim):
        nbytes = int(n) * int(dim) * 4
        self.folder = None
        if nbytes > CODE_CACHE_MEMMAP_BYTES:
            self.folder = tempfile.mkdtemp(prefix="gan_ova_codes_", dir=CODE_CACHE_DIR)
            self.path = os.path.join(self.folder, "codes.float32")
            self.array = np.memmap(self.path, dtype=np.float32, mode="w+", shape=(int(n), int(dim)))
        else:
            self.path = None
            self.array = np.empty((int(n), int(dim)), dtype=np.float32)

    @property
    def memmapped(self):
        return self.folder is not None

    def close(self):
        """Release the codes and delete the temporary folder (if any)."""
        array, self.array = self.array, None
        if isinstance(array, np.memmap):
            mm = getattr(array, "_mmap", None)
            del array
            if mm is not None:
                try:
                    mm.close()
                except (BufferError, ValueError):  # still referenced elsewhere: the OS frees it later
                    pass
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    @classmethod
    def encode(cls, net, source, y_idx, n_classes, batch_size=ENCODE_BATCH_SIZE):
        """Codes ``E(x, y)`` of every item of ``source`` with the frozen encoder of the skorch ``net``.

        Same batches and operations as :meth:`AutoencoderNet.encode` on the
        equivalent arrays, so the codes are identical.
        """
        module = net.module_
        module.eval()
        loader = source.loader(_OneHotImages(source, y_idx, n_classes), batch_size)
        cache = None
        try:
            pos = 0
            with torch.no_grad():
                for xb, yb in loader:
                    # under the net's precision (autocast, float32 out), as AutoencoderNet.encode
                    z = net.amp_forward(module.encode, xb.to(net.device), yb.to(net.device)).cpu().numpy()
                    if cache is None:
                        cache = cls(len(source), z.shape[1])
                    cache.array[pos : pos + len(z)] = z
                    pos += len(z)
        except BaseException:
            if cache is not None:
                cache.close()
            raise
        return cache

    def standardize(self, mean, scale, chunk=65536):
        """``(codes - mean) / scale`` in place, chunk by chunk (the same float32 values as on the whole array)."""
        a = self.array
        for i in range(0, len(a), chunk):
            a[i : i + chunk] = ((a[i : i + chunk] - mean) / scale).astype(np.float32)
        return a


def _labels_only(batch):
    return [item[1] if isinstance(item, (tuple, list)) and len(item) == 2 else item for item in batch]


def read_labels(dataset, n, loader_kwargs):
    """The labels of ``dataset`` as an int64 array: ``dataset.targets`` if it has one of length ``n``, else one pass."""
    targets = getattr(dataset, "targets", None)
    if targets is not None:
        try:
            y = targets.numpy() if isinstance(targets, torch.Tensor) else np.asarray(targets)
        except (TypeError, ValueError):
            y = None
        if y is not None and y.ndim == 1 and len(y) == n and y.dtype.kind in "iu":
            return y.astype(np.int64)
    labels = []
    loader = DataLoader(dataset, batch_size=256, shuffle=False, collate_fn=_labels_only,
                        generator=torch.Generator().manual_seed(0), **loader_kwargs)
    pos = 0
    for batch in loader:
        for label in batch:
            if not _is_int_label(label):
                _split_item(dataset[pos], pos)  # a malformed item: say so
                raise TypeError(
                    f"X: item {pos} of the dataset: expected an int label, got {label!r} "
                    f"({type(label).__name__})."
                )
            labels.append(int(label))
            pos += 1
    return np.asarray(labels, dtype=np.int64)


def _first_image(dataset, n):
    if n == 0:
        raise ValueError("X: expected a dataset with at least 1 item, got an empty dataset.")
    image, label = _split_item(dataset[0], 0)
    _check_image(image, 0)
    if not _is_int_label(label):
        raise TypeError(f"X: item 0 of the dataset: expected an int label, got {label!r} ({type(label).__name__}).")
    return image


def check_fit_dataset(est, X, y, loader_kwargs):
    """Check a Dataset passed to ``fit``: ``(source, labels, image_shape, meta)`` like ``_fit_inputs``."""
    n = _check_dataset_type(X)
    if y is not None:
        shape = getattr(y, "shape", None)
        raise ValueError(
            "y: expected None when X is a torch Dataset (the labels are read from its items), got "
            f"{type(y).__name__}{'' if shape is None else ' of shape ' + str(tuple(shape))}. Pass the labels "
            "through the dataset, or pass X as an array with y."
        )
    image = _first_image(X, n)
    image_shape = tuple(int(s) for s in image.shape)
    if est.image_shape is not None and tuple(est.image_shape) != image_shape:
        raise ValueError(
            f"image_shape: {tuple(est.image_shape)} does not match the shape of the images in X {image_shape}."
        )
    if image_shape[1] < 4 or image_shape[2] < 4:
        raise ValueError(f"X: expected images of at least 4x4 pixels, got shape {image_shape}.")
    uint8 = image.dtype == torch.uint8
    labels = read_labels(X, n, loader_kwargs)
    source = ImageSource(X, image_shape, est._pixel_divisor(uint8), uint8, est.pixel_scale, loader_kwargs)
    return source, labels, image_shape, {"uint8": bool(uint8), "ndim": 4}


def check_predict_dataset(est, X, loader_kwargs):
    """Check a Dataset passed to a predict-type method: an :class:`ImageSource` of the fitted image shape."""
    n = _check_dataset_type(X)
    image = _first_image(X, n)
    shape = getattr(est, "image_shape_", None)
    if shape is None:
        raise ValueError(
            f"X: this model was fitted on feature vectors; got a Dataset of images of shape {tuple(image.shape)}."
        )
    if tuple(image.shape) != tuple(shape):
        raise ValueError(
            f"X: expected images of shape {tuple(shape)} (as in fit), got {tuple(image.shape)} (item 0 of the dataset)."
        )
    uint8 = image.dtype == torch.uint8
    return ImageSource(X, shape, est._pixel_divisor(uint8), uint8, est.pixel_scale, loader_kwargs)
