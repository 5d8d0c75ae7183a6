"""Images per second of both UQGAN stages at precision "32" vs "bf16" vs "16-mixed", eager and compiled.

For each configuration (precision x compile) the script fits
``GANShieldedOvAClassifier`` on Fashion-MNIST-size data (28x28 grey images,
10 classes; ``gan_ova.datasets.load_fashion_mnist`` from the Debian package
location, or random uint8 images when the files are absent) for
``--epochs`` + 1 epochs of each stage, without a validation split, and reads
the epoch durations from the nets' skorch histories. The first epoch pays the
one-time costs (torch.compile, cuDNN/oneDNN kernel selection) and is reported
as warm-up (first epoch minus a steady epoch); throughput is training images
per second of the steady epochs:

* stage 1: one autoencoder epoch (forward, backward, Adam step per batch);
* stage 2: one shielding epoch per real image: ``n_critic`` critic steps with
  gradient penalty, one generator step, ``n_classifier_steps`` classifier steps.

Ratios are against precision "32" without compile, measured in the same run.
"16-mixed" runs on CUDA only (the estimators refuse it on the CPU). Between
configurations ``torch._dynamo.reset()`` clears compiled graphs, so each
compiled configuration pays its own warm-up. ``--time-limit`` (seconds,
default 180) stops starting new configurations once spent, so that a GPU run
ends within about 5 minutes; skipped ones are listed.

Usage::

    python benchmarks/precision.py --device cuda                  # GPU: 10,000 images, all configurations
    python benchmarks/precision.py --device cuda --quick          # GPU: 3,000 images, one steady epoch
    OMP_NUM_THREADS=1 python benchmarks/precision.py --device cpu --n-train 2000

Never used as a CI gate.
"""

import argparse
import json
import time

import numpy as np
import torch

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import load_fashion_mnist


def load_images(n):
    """``n`` Fashion-MNIST training images ``(n, 1, 28, 28)`` and labels, or random uint8 ones if absent."""
    try:
        X, y = load_fashion_mnist(train=True)
        return X[:n], y[:n], "Fashion-MNIST"
    except (OSError, FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"Fashion-MNIST not found ({exc}); using random uint8 images", flush=True)
        rng = np.random.default_rng(0)
        return rng.integers(0, 256, size=(n, 1, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n), "random uint8"


def run_config(X, y, device, precision, compile, epochs, batch_size):
    """Fit both stages for ``epochs + 1`` epochs; return images/s (steady epochs) and warm-up seconds."""
    torch._dynamo.reset()
    clf = GANShieldedOvAClassifier(
        cae_max_epochs=epochs + 1, max_epochs=epochs + 1, batch_size=batch_size, validation_fraction=0.0,
        device=device, precision=precision, compile=compile, random_state=0,
    )
    t0 = time.perf_counter()
    clf.fit(X, y)
    wall = time.perf_counter() - t0
    out = {"precision": precision, "compile": compile, "fit_s": wall}
    n_used = (len(X) // batch_size) * batch_size  # both stages drop the last incomplete batch
    for stage, net in (("stage1", clf.autoencoder_), ("stage2", clf.shielding_net_)):
        durs = [float(row["dur"]) for row in net.history]
        steady = float(np.median(durs[1:]))
        out[stage + "_img_s"] = n_used / steady
        out[stage + "_warmup_s"] = max(durs[0] - steady, 0.0)
        out[stage + "_loss"] = float(net.history[-1, "train_loss"])
    out["train_acc"] = float(clf.score(X[:2000], y[:2000]))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--n-train", type=int, default=None, help="training images (default: 10,000; --quick 3,000)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--epochs", type=int, default=None, help="steady epochs timed per stage (default 2; --quick 1)")
    p.add_argument("--quick", action="store_true", help="3,000 images, one steady epoch")
    p.add_argument("--no-compile", action="store_true", help="eager configurations only")
    p.add_argument("--precisions", default=None, help="comma-separated (default: 32,bf16 and, on CUDA, 16-mixed)")
    p.add_argument("--time-limit", type=float, default=180.0, help="start no configuration after this many seconds")
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args(argv)

    device = torch.device(args.device)
    n = args.n_train or (3000 if args.quick else 10000)
    epochs = args.epochs or (1 if args.quick else 2)
    if args.precisions:
        precisions = args.precisions.split(",")
    else:
        precisions = ["32", "bf16"] + (["16-mixed"] if device.type == "cuda" else [])
    if device.type == "cuda" and "bf16" in precisions and not torch.cuda.is_bf16_supported():
        precisions.remove("bf16")
    # eager first (cheap), then compiled with the reduced precisions first: under --time-limit the
    # configurations that matter most on an accelerator run before compiled float32
    compiled = sorted(precisions, key=lambda pr: pr == "32")
    configs = [(pr, False) for pr in precisions] + ([] if args.no_compile else [(pr, True) for pr in compiled])

    X, y, source = load_images(n)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"{source}: {len(X)} images 28x28, batch {args.batch_size}, {epochs} steady epoch(s) per stage; "
          f"device {device} ({where}); torch {torch.__version__}", flush=True)

    # warm-up fit: one-time process costs (thread pools, CUDA context) are not charged to the first configuration
    GANShieldedOvAClassifier(cae_max_epochs=1, max_epochs=1, batch_size=64, validation_fraction=0.0, device=device,
                             random_state=0).fit(X[:256], y[:256])

    start, results, skipped = time.perf_counter(), [], []
    for precision, compile in configs:
        if time.perf_counter() - start > args.time_limit:
            skipped.append((precision, compile))
            continue
        res = run_config(X, y, device.type if device.index is None else str(device), precision, compile, epochs,
                         args.batch_size)
        results.append(res)
        print(f"  done precision={precision:8s} compile={compile!s:5s} in {res['fit_s']:.0f} s", flush=True)

    base = next((r for r in results if r["precision"] == "32" and not r["compile"]), None)
    head = (f"{'precision':>9} {'compile':>7} | {'stage-1 img/s':>13} {'ratio':>5} {'warm-up s':>9} | "
            f"{'stage-2 img/s':>13} {'ratio':>5} {'warm-up s':>9} | {'train acc':>9}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in results:
        ratios = [r[f"stage{s}_img_s"] / base[f"stage{s}_img_s"] if base else float("nan") for s in (1, 2)]
        print(f"{r['precision']:>9} {r['compile']!s:>7} | {r['stage1_img_s']:13.0f} {ratios[0]:5.2f} "
              f"{r['stage1_warmup_s']:9.1f} | {r['stage2_img_s']:13.0f} {ratios[1]:5.2f} {r['stage2_warmup_s']:9.1f} | "
              f"{r['train_acc']:9.3f}")
    print("ratio: images/s over precision '32' without compile; warm-up: first epoch minus a steady epoch "
          "(compilation, kernel selection); train acc after the short fit (a sanity check, not a result).")
    for precision, compile in skipped:
        print(f"skipped (time limit): precision={precision} compile={compile}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": str(device), "where": where, "n": len(X), "epochs": epochs, "results": results,
                       "skipped": skipped}, f, indent=1)


if __name__ == "__main__":
    main()
