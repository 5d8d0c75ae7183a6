"""What colour images cost: fit and predict time of the default estimator, grey vs colour.

Fits ``GANShieldedOvAClassifier`` with default settings (only the epochs are
fixed: one autoencoder and one stage-2 epoch) on synthetic 32x32 images with
1 and with 3 channels, the same number of images, in one run, and prints the
CPU seconds of each stage (stage 1 = autoencoder, stage 2 = shielding GAN +
classifier), of the whole fit and of predicting the training images, plus the
colour / grey ratio. CPU time (``time.process_time``) rather than wall time
keeps the ratios meaningful on a machine shared with other jobs; run it with
``OMP_NUM_THREADS=1`` so that CPU time is also the wall time of an idle core.

For 3 channels, ``"auto"`` settings choose a different, larger architecture
than for 1: ``autoencoder="residual"`` instead of ``"conv"``,
``backbone="resnet"`` instead of ``"lenet"`` and ``latent_dim=128`` instead of
32. The extra rows fit colour images with one of these switched back to the
grey choice (and all three), which shows where the time goes. The channel
count itself costs little.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/colour_cost.py            # every row: about 6 min of CPU time
    OMP_NUM_THREADS=1 python benchmarks/colour_cost.py --settings colour          # grey and colour only

Never used as a CI gate.
"""

import argparse
import time

import numpy as np
import torch

from gan_ova import GANShieldedOvAClassifier

from _timing import cpu_timed  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def _images(n, channels, size, n_classes=5, seed=0):
    """Class-dependent smooth blobs plus noise, float pixels in [0, 1], shape (n, C, H, W)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    yy, xx = np.mgrid[0:size, 0:size] / size
    centres = rng.uniform(0.2, 0.8, size=(n_classes, 2))
    X = np.empty((n, channels, size, size), dtype=np.float32)
    for i, k in enumerate(y):
        blob = np.exp(-((yy - centres[k, 0]) ** 2 + (xx - centres[k, 1]) ** 2) / 0.02)
        for c in range(channels):
            X[i, c] = np.clip(blob * rng.uniform(0.5, 1.0) + 0.2 * rng.random((size, size)), 0, 1)
    return X, y


def _fit_and_time(X, y, **params):
    clf = GANShieldedOvAClassifier(cae_max_epochs=1, max_epochs=1, random_state=0, verbose=0, **params)
    r = {}
    # the two stages of fit, timed by wrapping the estimator's (private) stage methods on this instance
    clf._fit_autoencoder = cpu_timed(clf._fit_autoencoder, r, "stage1")
    clf._fit_shielding = cpu_timed(clf._fit_shielding, r, "stage2")
    t0, w0 = time.process_time(), time.perf_counter()
    clf.fit(X, y)
    r["fit"], r["fit_wall"] = time.process_time() - t0, time.perf_counter() - w0
    t0 = time.process_time()
    clf.predict_uncertainty(X)
    r["predict"] = time.process_time() - t0
    return r


#: row name -> (description, estimator parameters); every row but "grey" fits the colour images
SETTINGS = {
    "grey": ("grey (1 ch), defaults: conv cAE, lenet, latent 32", {}),
    "colour": ("colour (3 ch), defaults: residual cAE, resnet, latent 128", {}),
    "conv": ("colour, autoencoder='conv'", {"autoencoder": "conv"}),
    "lenet": ("colour, backbone='lenet'", {"backbone": "lenet"}),
    "latent32": ("colour, latent_dim=32", {"latent_dim": 32}),
    "grey_arch": ("colour, all three grey choices", {"autoencoder": "conv", "backbone": "lenet", "latent_dim": 32}),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=640, help="images (80%% train, 20%% validation; default: 640)")
    p.add_argument("--size", type=int, default=32, help="image height and width (default: 32)")
    p.add_argument(
        "--settings",
        default=",".join(SETTINGS),
        help="comma-separated rows to fit, from %(default)s; 'grey' always comes first (the ratios' reference)",
    )
    args = p.parse_args(argv)

    Xg, y = _images(args.n, 1, args.size)
    Xc, _ = _images(args.n, 3, args.size)
    names = ["grey"] + [k for k in args.settings.split(",") if k != "grey"]
    unknown = [k for k in names if k not in SETTINGS]
    if unknown:
        p.error(f"--settings: unknown {unknown}; expected some of {list(SETTINGS)}")
    rows = [(SETTINGS[k][0], Xg if k == "grey" else Xc, SETTINGS[k][1]) for k in names]
    print(
        f"{args.n} synthetic {args.size}x{args.size} images, 5 classes, default batch size, "
        f"1 + 1 epochs, torch threads {torch.get_num_threads()}; CPU seconds (process time), "
        "wall seconds of the fit in brackets",
        flush=True,
    )
    # warm-up: the first fit in a process pays one-time costs (thread pools, kernel selection), about
    # 2 CPU seconds, which would otherwise land on the first row (the reference of the ratios)
    GANShieldedOvAClassifier(cae_max_epochs=1, max_epochs=1, batch_size=32, random_state=0).fit(Xg[:80], y[:80])
    print(f"{'setting':<58} {'stage 1':>8} {'stage 2':>8} {'fit':>16} {'predict':>8} {'fit / grey':>10}")
    grey = None
    for name, X, params in rows:
        r = _fit_and_time(X, y, **params)
        grey = grey or r
        fit = f"{r['fit']:.1f} ({r['fit_wall']:.0f})"
        print(
            f"{name:<58} {r['stage1']:8.1f} {r['stage2']:8.1f} {fit:>16} {r['predict']:8.2f} {r['fit'] / grey['fit']:9.1f}x",
            flush=True,
        )
        if params == {} and X is Xc:
            print(
                f"{'  colour / grey:':<58} {r['stage1'] / grey['stage1']:7.1f}x {r['stage2'] / grey['stage2']:7.1f}x "
                f"{r['fit'] / grey['fit']:15.1f}x {r['predict'] / grey['predict']:7.1f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
