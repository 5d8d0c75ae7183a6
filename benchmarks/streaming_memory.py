"""Peak memory of a fit from an on-disk Dataset: 60,000 vs 6,000 Fashion-MNIST images.

Writes the Fashion-MNIST training images once as a raw uint8 file
``(60000, 1, 28, 28)`` (plus the labels) under ``benchmarks/_cache/streaming/``
(git-ignored), then fits ``GANShieldedOvAClassifier`` in a fresh subprocess per
run from a ``torch.utils.data.Dataset`` over the first ``n`` images of that
file: each item is read from disk and converted to a float tensor in [0, 1].
Each child reports its peak resident set size (``VmHWM``, or ``ru_maxrss``), its RSS after
the imports (before touching the data), and the wall time. The table compares
each run with the 6,000-image run: the target is a growth of less than 100 MB
beyond the cached latent codes (``n * 32 * 4`` bytes, 7.3 MiB at 60,000).
Memory is in MiB (``VmHWM`` is reported in KiB).

Readers (``--reader``):

* ``pread`` (default): each item is read with ``os.pread`` (like a folder of
  image files: nothing of the file stays mapped into the process);
* ``memmap``: items are rows of an ``np.memmap``; the pages read are
  file-backed and count in the RSS (up to the file's size, 47 MB at 60,000),
  although the kernel can drop them at any time.

``--array`` also fits the 60,000 images from an in-memory array, for contrast.

The budget is tiny (1 autoencoder epoch, 1 stage-2 epoch, batch 128, one
critic and one classifier step per batch): memory does not depend on it, time
does. Usage::

    OMP_NUM_THREADS=1 python benchmarks/streaming_memory.py --array
    OMP_NUM_THREADS=1 python benchmarks/streaming_memory.py --reader memmap --sizes 6000 60000

Never used as a CI gate.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, "_cache", "streaming")
IMAGES = os.path.join(CACHE, "fashion_mnist_train_uint8.raw")
LABELS = os.path.join(CACHE, "fashion_mnist_train_labels.npy")
SHAPE = (1, 28, 28)
BUDGET = dict(cae_max_epochs=1, max_epochs=1, batch_size=128, n_critic=1, n_classifier_steps=1, random_state=0)


def prepare():
    """Write the raw image file and the labels once (from the IDX files that gan_ova finds)."""
    if os.path.exists(IMAGES) and os.path.exists(LABELS):
        return
    import numpy as np

    from gan_ova.datasets import load_fashion_mnist

    os.makedirs(CACHE, exist_ok=True)
    X, y = load_fashion_mnist(train=True)
    np.rint(X * 255).astype(np.uint8).tofile(IMAGES + ".tmp")
    np.save(LABELS, y.astype(np.int64))
    os.replace(IMAGES + ".tmp", IMAGES)


def _rss_mb():
    """Peak RSS of this process in MiB: ``VmHWM`` (reset at exec), else ``ru_maxrss``.

    ``ru_maxrss`` of a child carries over the parent's peak at fork on Linux,
    hence ``/proc/self/status`` first.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


def child(n, reader, array):
    import numpy as np
    import torch

    from gan_ova import GANShieldedOvAClassifier

    item_bytes = int(np.prod(SHAPE))
    labels = np.load(LABELS)[:n]

    class DiskImages(torch.utils.data.Dataset):
        """Item i: image i read from the raw file, as a float tensor in [0, 1], and its label."""

        targets = labels  # lets fit skip the label pass

        def __init__(self):
            self._fd = self._mm = None

        def __len__(self):
            return n

        def __getitem__(self, i):
            if reader == "memmap":
                if self._mm is None:
                    self._mm = np.memmap(IMAGES, dtype=np.uint8, mode="r", shape=(60000,) + SHAPE)
                raw = np.array(self._mm[i])
            else:
                if self._fd is None:
                    self._fd = os.open(IMAGES, os.O_RDONLY)
                raw = np.frombuffer(os.pread(self._fd, item_bytes, i * item_bytes), np.uint8).reshape(SHAPE)
            return torch.from_numpy(raw.astype(np.float32) / np.float32(255)), int(labels[i])

    rss_start = _rss_mb()
    t0 = time.perf_counter()
    clf = GANShieldedOvAClassifier(**BUDGET)
    if array:
        X = np.fromfile(IMAGES, dtype=np.uint8, count=n * item_bytes).reshape((n,) + SHAPE)
        clf.fit(X, labels)
    else:
        clf.fit(DiskImages())
    fit_s = time.perf_counter() - t0
    print(json.dumps({"n": n, "rss_start_mb": rss_start, "peak_rss_mb": _rss_mb(), "fit_s": fit_s,
                      "codes_mb": n * clf.latent_mean_.shape[0] * 4 / 2**20}))


def run(n, reader, array):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", str(n), "--reader", reader]
    if array:
        cmd.append("--array-child")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6000, 60000])
    parser.add_argument("--reader", choices=("pread", "memmap"), default="pread")
    parser.add_argument("--array", action="store_true", help="also fit the largest size from an in-memory array")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--array-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.reader, args.array_child)
        return
    prepare()
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}, reader={args.reader}, budget {BUDGET}")
    rows = [("dataset", run(n, args.reader, False)) for n in sorted(args.sizes)]
    if args.array:
        rows.append(("array", run(max(args.sizes), args.reader, True)))
    base = rows[0][1]
    print(f"{'input':8} {'n':>7} {'RSS after imports MiB':>22} {'peak RSS MiB':>13} {'codes MiB':>10} "
          f"{'peak - codes MiB':>17} {'growth vs first MiB':>20} {'fit s':>7}")
    for kind, r in rows:
        growth = (r["peak_rss_mb"] - r["codes_mb"]) - (base["peak_rss_mb"] - base["codes_mb"])
        print(f"{kind:8} {r['n']:>7} {r['rss_start_mb']:>22.1f} {r['peak_rss_mb']:>13.1f} {r['codes_mb']:>10.1f} "
              f"{r['peak_rss_mb'] - r['codes_mb']:>17.1f} {growth:>20.1f} {r['fit_s']:>7.1f}")


if __name__ == "__main__":
    main()
