"""Cost of one UQGAN classifier update relative to a plain one-vs-all update.

Both are measured in the same run, on the same backbone, batch and device:

* baseline: one OvA classifier update (forward on the real batch, OvA loss,
  backward, Adam step) -- what a plain OvA net does per batch;
* UQGAN: one stage-2 ``train_step`` (``n_critic`` critic steps, one generator
  step through the frozen decoder and the classifier, ``n_classifier_steps``
  classifier steps on the real batch plus a generated batch), divided by
  ``n_classifier_steps`` -- the cost per classifier update.

Usage::

    python benchmarks/step_cost.py                    # digits 8x8, batch 64
    python benchmarks/step_cost.py --dataset fashion  # Fashion-MNIST 28x28, batch 128
    python benchmarks/step_cost.py --backbone lenet5 --fused-adam

Prints milliseconds per update and the ratio. Never used as a CI gate.
"""

import argparse
import time

import numpy as np
import torch

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import load_digits_images, load_fashion_mnist
from gan_ova.losses import ova_classifier_loss


def _time(fn, repeats, device="cpu"):
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    fn()  # warm-up
    fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    sync()
    return (time.perf_counter() - t0) / repeats


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", choices=["digits", "fashion"], default="digits")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument(
        "--fused-adam", action="store_true",
        help="replace the three Adam optimizers by torch's fused Adam (same update rule, one kernel)",
    )
    p.add_argument("--backbone", default="auto", help="classifier backbone ('auto', 'lenet', 'lenet5', ...)")
    p.add_argument("--device", default="cpu", help="'cpu' or 'cuda' (both updates run there; timings synchronize)")
    args = p.parse_args(argv)
    if args.dataset == "digits":
        X, y = load_digits_images()
        bs = args.batch_size or 64
    else:
        X, y = load_fashion_mnist(train=False)
        bs = args.batch_size or 128
    keep = y < 5
    X, y = X[keep][:2000], y[keep][:2000]
    clf = GANShieldedOvAClassifier(
        cae_max_epochs=1, max_epochs=1, batch_size=bs, backbone=args.backbone, random_state=0, device=args.device
    ).fit(X, y)
    net = clf.shielding_net_
    onehot = np.eye(5, dtype=np.float32)[y]
    codes = clf.autoencoder_.encode(X, onehot)
    z = (codes - clf.latent_mean_) / clf.latent_scale_
    dev = net.device
    xb, zb, yb = (torch.as_tensor(a[:bs]).to(dev) for a in (X, z, y))
    batch = ({"x": xb, "z": zb}, yb)

    if args.fused_adam:
        for name in ("optimizer_", "generator_optimizer_", "critic_optimizer_"):
            old = getattr(net, name)
            group = old.param_groups[0]
            params = [p for g in old.param_groups for p in g["params"]]
            setattr(net, name, torch.optim.Adam(params, lr=group["lr"], betas=group["betas"], fused=True))
    f, opt = net.module_, net.optimizer_
    weights = net.weights_

    def ova_update():
        f.train()
        loss = ova_classifier_loss(f(xb), yb, None, weights, 0.6)
        opt.zero_grad()
        loss.backward()
        opt.step()

    def uqgan_step():
        net.train_step(batch)

    t_ova = _time(ova_update, args.repeats, dev)
    t_step = _time(uqgan_step, max(args.repeats // 4, 3), dev)
    per_update = t_step / net.n_classifier_steps
    print(
        f"dataset {args.dataset}, batch {bs}, device {dev}, torch threads {torch.get_num_threads()}, "
        f"backbone {type(f).__name__}, "
        f"{'fused' if args.fused_adam else 'default'} Adam"
    )
    print(f"plain OvA classifier update          : {1e3 * t_ova:8.2f} ms")
    print(f"UQGAN stage-2 step ({net.n_critic} critic, 1 gen, {net.n_classifier_steps} cls): {1e3 * t_step:8.2f} ms")
    print(f"UQGAN cost per classifier update      : {1e3 * per_update:8.2f} ms")
    print(f"ratio (UQGAN per classifier update / plain OvA update): {per_update / t_ova:.2f}x")
    print(f"ratio (UQGAN step per real batch / plain OvA update)  : {t_step / t_ova:.2f}x")


if __name__ == "__main__":
    main()
