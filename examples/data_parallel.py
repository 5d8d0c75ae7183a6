"""Data-parallel training with torchrun: every process ends with the same model.

Launched by ``torchrun``, ``fit`` trains both stages data-parallel
(``distributed="auto"``, the default): each process runs this script on the
same data (digits 0-4), trains on its own share of every epoch, and the
gradients are averaged over the processes before every optimizer step. The
script is the one a single process would run; nothing in it is specific to
torchrun except that only rank 0 saves the model.

Every rank prints its rank and the world size (``clf.distributed_rank_``,
``clf.distributed_world_size_``), the test accuracy on held-out digits 0-4,
the OoD AUROC against the unseen digits 5-9 and a short SHA-256 hash of the
weights of all four networks: the hashes agree. Rank 0 saves the model with
``gan_ova.persistence.save_model`` into the output folder.

``batch_size`` is per process: the script divides a global batch of 64 by the
number of processes, so one process and two train with the same global batch.
On CPUs each process uses one thread (keep processes x threads within the
cores); see "Several GPUs or machines" on the Scaling page of the
documentation for GPUs, several machines and SLURM.

Run::

    torchrun --nproc-per-node 2 examples/data_parallel.py            # 2 CPU processes; about a minute
    torchrun --nproc-per-node 2 examples/data_parallel.py --quick    # tiny budget (CI smoke test)
    python examples/data_parallel.py                                 # one process: a plain fit
"""
import argparse
import hashlib
import os

import torch
from sklearn.model_selection import train_test_split

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import load_digits_images, split_classes
from gan_ova.metrics import ood_auroc
from gan_ova.persistence import save_model

GLOBAL_BATCH = 64


def weights_hash(clf):
    """Short SHA-256 of every tensor (parameters and buffers) of the autoencoder, classifier, generator and critic."""
    net = clf.shielding_net_
    digest = hashlib.sha256()
    for module in (clf.autoencoder_.module_, net.module_, net.generator_, net.critic_):
        for name, tensor in module.state_dict().items():
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="outputs/data_parallel", help="folder for the saved model")
    parser.add_argument("--quick", action="store_true", help="tiny training budget (also: GAN_OVA_QUICK=1)")
    parser.add_argument("--device", default="cpu", help='"cpu", or "cuda" (process LOCAL_RANK uses cuda:LOCAL_RANK)')
    args = parser.parse_args()
    quick = args.quick or os.environ.get("GAN_OVA_QUICK") == "1"
    if args.device == "cpu":
        torch.set_num_threads(1)  # one thread per process

    world_size = int(os.environ.get("WORLD_SIZE", "1"))  # set by torchrun; the fit reads it too
    X, y = load_digits_images()  # every process loads the same data
    X_in, y_in, X_out, _ = split_classes(X, y, "0-4")  # digits 5-9: never seen in training
    X_tr, X_te, y_tr, y_te = train_test_split(X_in, y_in, test_size=200, stratify=y_in, random_state=0)

    budget = dict(cae_max_epochs=20, max_epochs=15)
    if quick:
        budget = dict(cae_max_epochs=2, max_epochs=3, latent_dim=8, noise_dim=8,
                      generator_hidden=(32,), critic_hidden=(32,))
    clf = GANShieldedOvAClassifier(**budget, batch_size=GLOBAL_BATCH // world_size, device=args.device,
                                   random_state=0)
    clf.fit(X_tr, y_tr)  # data-parallel under torchrun, a plain fit otherwise

    # predict* run locally on every rank, without communication: all ranks hold the same weights.
    rank, size = clf.distributed_rank_, clf.distributed_world_size_
    accuracy = clf.score(X_te, y_te)
    auroc = ood_auroc(clf.predict_uncertainty(X_te).epistemic, clf.predict_uncertainty(X_out).epistemic)
    print(f"rank {rank} of world size {size}: batch {clf.batch_size} per process, test accuracy {accuracy:.3f}, "
          f"OoD AUROC {auroc:.3f}, weights hash {weights_hash(clf)}", flush=True)
    if rank == 0:
        path = save_model(clf, os.path.join(args.output, "model"))
        print(f"rank 0 saved the model to {path}", flush=True)


if __name__ == "__main__":
    main()
