"""Fit from a torch Dataset that reads Fashion-MNIST images lazily from disk.

The Fashion-MNIST IDX files are converted, a chunk of 1,000 images at a time,
into raw uint8 files under the output folder (classes 0-4 for training and
testing, classes 5-9 as out-of-distribution data). A small map-style
``torch.utils.data.Dataset`` opens each file as an ``np.memmap`` and returns
item ``i`` as ``(uint8 tensor (1, 28, 28), int label)``. The classifier is
fitted on that Dataset (``fit(dataset)``, no ``y``) with DataLoader workers,
and predicts on two more Datasets of the same kind: the test images of
classes 0-4 and the OoD images of classes 5-9. It prints the accuracy, the
OoD AUROC of the epistemic score and the peak resident memory of the
process (the main one; DataLoader workers are processes of their own); at no
point do the images sit in memory as one array (see
"Data larger than memory" on the Scaling page of the documentation).

Fashion-MNIST is read from local files only (``apt-get install dataset-fashion-mnist`` or ``--root``).

Run::

    python examples/streaming_fashion_mnist.py           # 10 000 training images, 2 workers; ~4.5 min on 2 cores
    python examples/streaming_fashion_mnist.py --quick   # 1 000 images, tiny budget, no workers (CI smoke test)
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import DEBIAN_FASHION_MNIST_DIR
from gan_ova.metrics import ood_auroc

IMAGE_SHAPE = (1, 28, 28)


class MemmapImages(torch.utils.data.Dataset):
    """Images in a raw uint8 file of shape (n, 1, 28, 28), read one item at a time."""

    def __init__(self, path, labels):
        self.path = path
        self.targets = np.asarray(labels, dtype=np.int64)  # fit reads the labels from here, not from the items
        self._images = None  # opened on first use, in each DataLoader worker

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        if self._images is None:
            self._images = np.memmap(self.path, dtype=np.uint8, mode="r", shape=(len(self.targets),) + IMAGE_SHAPE)
        return torch.from_numpy(np.array(self._images[i])), int(self.targets[i])

    def __getstate__(self):  # workers started by "spawn" get the path, not a copy of the mapped file
        return dict(self.__dict__, _images=None)


def find_idx(root, stem):
    """The path of ``stem`` or ``stem.gz`` in ``root``, ``root/FashionMNIST/raw`` or the Debian package's folder."""
    folders = ([os.path.join(root, "FashionMNIST", "raw"), root] if root else []) + [DEBIAN_FASHION_MNIST_DIR]
    for folder in folders:
        for name in (stem, stem + ".gz"):
            if os.path.isfile(os.path.join(folder, name)):
                return os.path.join(folder, name)
    raise FileNotFoundError(f"{stem}[.gz] not found in {folders}")


def open_idx(path):
    """An IDX file (plain or gzip-compressed), positioned after its header, and the shape in the header."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    f = gzip.open(path, "rb") if compressed else open(path, "rb")
    _, _, type_code, ndim = f.read(4)
    if type_code != 0x08:
        raise ValueError(f"{path}: expected an IDX file of unsigned bytes")
    return f, struct.unpack(f">{ndim}i", f.read(4 * ndim))


def write_images(root, train, classes, limit, path, chunk=1000):
    """Copy the first ``limit`` images of ``classes`` into the raw uint8 file ``path``; their labels.

    The images file is read ``chunk`` images at a time: only one chunk is ever in memory.
    """
    prefix = "train" if train else "t10k"
    labels_file, _ = open_idx(find_idx(root, f"{prefix}-labels-idx1-ubyte"))
    with labels_file:
        all_labels = np.frombuffer(labels_file.read(), dtype=np.uint8)
    keep = np.flatnonzero(np.isin(all_labels, classes))[:limit]
    out = np.memmap(path, dtype=np.uint8, mode="w+", shape=(len(keep),) + IMAGE_SHAPE)
    images_file, (n, h, w) = open_idx(find_idx(root, f"{prefix}-images-idx3-ubyte"))
    assert (h, w) == IMAGE_SHAPE[1:] and n == len(all_labels)
    written = 0
    with images_file:
        for start in range(0, keep[-1] + 1, chunk):
            block = np.frombuffer(images_file.read(chunk * h * w), dtype=np.uint8).reshape(-1, 1, h, w)
            rows = keep[(keep >= start) & (keep < start + len(block))] - start
            out[written:written + len(rows)] = block[rows]
            written += len(rows)
    out.flush()
    del out
    return all_labels[keep].astype(np.int64)


def peak_rss_mib():
    """Peak resident memory of this process (VmHWM), in MiB."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):  # not Linux: ru_maxrss (kilobytes on Linux/BSD, bytes on macOS)
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="outputs/streaming_fashion_mnist", help="folder for the image files")
    parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
    parser.add_argument("--root", default=None, help="folder with a copy of Fashion-MNIST (IDX files)")
    parser.add_argument("--n-train", type=int, default=None, help="training images (default 10000, quick 1000)")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
    os.makedirs(args.output, exist_ok=True)
    n_train = args.n_train or (1000 if quick else 10000)
    n_test = 300 if quick else 5000

    files = {name: os.path.join(args.output, f"{name}_uint8.raw") for name in ("train", "test", "ood")}
    try:
        y_train = write_images(args.root, True, [0, 1, 2, 3, 4], n_train, files["train"])
        y_test = write_images(args.root, False, [0, 1, 2, 3, 4], n_test, files["test"])
        y_ood = write_images(args.root, False, [5, 6, 7, 8, 9], n_test, files["ood"])
    except FileNotFoundError as exc:
        print(f"Fashion-MNIST is not available ({exc}).\nInstall it with `apt-get install dataset-fashion-mnist` "
              "or pass --root DIR pointing at the IDX files; skipping this example.")
        return
    train = MemmapImages(files["train"], y_train)
    test = MemmapImages(files["test"], y_test)
    ood = MemmapImages(files["ood"], y_ood)
    print(f"wrote {len(train)} training, {len(test)} test (classes 0-4) and {len(ood)} OoD (classes 5-9) images "
          f"as raw uint8 files into {args.output} ({os.path.getsize(files['train']) / 2**20:.1f} MiB for training)")

    budget = dict(cae_max_epochs=10, max_epochs=3, batch_size=128, num_workers=2)
    if quick:
        budget = dict(cae_max_epochs=2, max_epochs=2, batch_size=64, latent_dim=16, noise_dim=16,
                      generator_hidden=(64,), critic_hidden=(64,), n_critic=1, n_classifier_steps=1, num_workers=0)
    clf = GANShieldedOvAClassifier(**budget, random_state=0)
    start = time.perf_counter()
    clf.fit(train)  # y=None: the labels are train.targets; the images are read batch by batch
    print(f"fitted on the Dataset in {time.perf_counter() - start:.1f} s with num_workers={clf.num_workers}; "
          f"classes {clf.classes_.tolist()}")

    accuracy = float(np.mean(clf.predict(test) == test.targets))
    auroc = ood_auroc(clf.predict_uncertainty(test).epistemic, clf.predict_uncertainty(ood).epistemic)
    print(f"test accuracy (classes 0-4) {accuracy:.3f}")
    print(f"OoD AUROC (epistemic, Fashion 5-9 vs 0-4) {auroc:.3f}")
    print(f"peak RSS {peak_rss_mib():.0f} MiB (most of it torch and the networks); the {len(train)} training "
          "images were read from disk by index and never held in memory as one array")


if __name__ == "__main__":  # needed with num_workers > 0 where workers are spawned: they re-import this script
    main()
