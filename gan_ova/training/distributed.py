"""Data-parallel training over ``torch.distributed`` (one process per device, launched by ``torchrun``).

:func:`data_parallel` turns the launch environment into a :class:`DataParallel`
(or None for a single-process fit): it joins the process group that the
launcher describes (creating it if the user has not, and destroying only a
group it created). The nets mix in :class:`DataParallelMixin`: with a
:class:`DataParallel` set as ``net.data_parallel_`` each process iterates over
its own shard of the training data (a :class:`~torch.utils.data.distributed.
DistributedSampler` reshuffled every epoch with a seed common to all ranks)
and :meth:`DataParallelMixin.sync_gradients` averages a module's gradients
(and floating-point buffers, e.g. BatchNorm statistics) over the ranks
before each optimizer step.

Why not :class:`~torch.nn.parallel.DistributedDataParallel` (DDP): stage 2
takes ``n_critic + 1 + n_classifier_steps`` optimizer steps on three modules
per batch and falls outside DDP's documented use twice: the critic loss
holds the WGAN-GP gradient penalty, a double backward through
``torch.autograd.grad(..., create_graph=True)`` (DDP's docs: it "doesn't
work with torch.autograd.grad"; pytorch/pytorch#63812, #47562), and the
generator step runs the critic and the classifier with their parameters
frozen (DDP's docs: never change the parameters after wrapping). With torch
2.14 a DDP-wrapped critic does reduce the penalty's gradients correctly;
``tests/test_distributed.py`` checks that :meth:`DataParallel.average`
gives exactly DDP's gradients for that step. DDP would also rename every
state-dict key (``module.``), which the checkpoints and
:mod:`gan_ova.persistence` rely on. One all-reduce of each module's
gradients right before its optimizer step is DDP's arithmetic (the mean of
the per-rank gradients) without these constraints; what it gives up is
DDP's overlap of communication with the backward pass, which matters little
for these small nets.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data.distributed import DistributedSampler

__all__ = ["DataParallel", "DataParallelMixin", "data_parallel", "launch_environment"]

#: The environment variables that ``torchrun`` (and ``torch.distributed.launch``) set for every process.
LAUNCH_VARIABLES = ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def launch_environment(environ=None):
    """The launch variables as a dict if this process was started by a distributed launcher, else None.

    A launch is recognised by ``WORLD_SIZE`` (set by ``torchrun``); the
    other variables must then be present too.

    Parameters
    ----------
    environ : mapping or None, default=None
        The environment to read (``os.environ`` by default).

    Returns
    -------
    env : dict or None
        ``world_size``, ``rank``, ``local_rank`` (ints; ``LOCAL_RANK``
        defaults to ``RANK``) and ``master`` (``"addr:port"``), or None.

    Examples
    --------
    >>> launch_environment({}) is None
    True
    >>> env = {"WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1", "MASTER_ADDR": "h", "MASTER_PORT": "29500"}
    >>> launch_environment(env)["world_size"]
    2
    """
    environ = os.environ if environ is None else environ
    if "WORLD_SIZE" not in environ:
        return None
    missing = [k for k in ("RANK", "MASTER_ADDR", "MASTER_PORT") if k not in environ]
    if missing:
        raise ValueError(
            f"distributed: expected the launch variables {list(LAUNCH_VARIABLES)} of torchrun, got WORLD_SIZE="
            f"{environ['WORLD_SIZE']!r} without {missing}; launch with torchrun or unset WORLD_SIZE."
        )
    try:
        world, rank = int(environ["WORLD_SIZE"]), int(environ["RANK"])
        local = int(environ.get("LOCAL_RANK", rank))
    except ValueError as exc:
        raise ValueError(f"distributed: expected integer WORLD_SIZE, RANK and LOCAL_RANK, got {exc}.") from None
    return {"world_size": world, "rank": rank, "local_rank": local,
            "master": f"{environ['MASTER_ADDR']}:{environ['MASTER_PORT']}"}


class DataParallel:
    """One process's place in a data-parallel fit: rank, world size, device, and the collectives it uses.

    Made by :func:`data_parallel`; lives only during a fit (it is removed
    from the nets afterwards, so pickles never hold it).

    Parameters
    ----------
    rank, world_size, local_rank : int
    device : torch.device
        This process's device.
    seed : int
        The seed common to all ranks (data order of every epoch).
    """

    def __init__(self, rank, world_size, local_rank, device, seed=0):
        self.rank = int(rank)
        self.world_size = int(world_size)
        self.local_rank = int(local_rank)
        self.device = torch.device(device)
        self.seed = int(seed)

    @property
    def is_main(self):
        """Whether this is rank 0, the process that writes checkpoints and prints progress."""
        return self.rank == 0

    def shard_size(self, n):
        """Examples each rank sees per epoch out of ``n`` (the sampler drops the ``n % world_size`` tail)."""
        return n // self.world_size

    def sampler(self, dataset, epoch, shuffle=True):
        """This rank's :class:`~torch.utils.data.distributed.DistributedSampler` for ``epoch``."""
        sampler = DistributedSampler(dataset, num_replicas=self.world_size, rank=self.rank, shuffle=shuffle,
                                     seed=self.seed, drop_last=True)
        sampler.set_epoch(int(epoch))
        return sampler

    def _tensors(self, module, grads):
        out = []
        for p in module.parameters():
            if grads and p.requires_grad:
                if p.grad is None:  # keep the flat layout the same on every rank
                    p.grad = torch.zeros_like(p)
                out.append(p.grad)
        out += [b for b in module.buffers() if torch.is_floating_point(b)]
        return out

    def average(self, module, grads=True):
        """Average ``module``'s gradients (of the parameters that require them) and floating buffers over the ranks.

        One all-reduce of a flat copy, divided by the world size; every rank
        ends with bit-identical values (the reduction's result is the same
        tensor on every rank). Integer buffers (BatchNorm's
        ``num_batches_tracked``) are equal by construction and left alone.
        """
        tensors = self._tensors(module, grads)
        if not tensors:
            return
        flat = torch.cat([t.detach().reshape(-1) for t in tensors])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        flat /= self.world_size
        pos = 0
        for t in tensors:
            n = t.numel()
            t.detach().copy_(flat[pos : pos + n].view_as(t))
            pos += n

    def broadcast(self, *modules):
        """Copy the parameters and buffers of ``modules`` from rank 0 to every rank (in place)."""
        with torch.no_grad():
            for module in modules:
                for t in module.state_dict().values():
                    dist.broadcast(t, src=0)

    def broadcast_array(self, arr):
        """Rank 0's copy of the numpy array ``arr`` (same shape and dtype on every rank)."""
        arr = np.asarray(arr)
        t = torch.as_tensor(np.ascontiguousarray(arr)).clone().to(self.device)
        dist.broadcast(t, src=0)
        return t.cpu().numpy().astype(arr.dtype, copy=False)

    def broadcast_float(self, value):
        """Rank 0's value of the float ``value``."""
        return float(self.broadcast_array(np.array([value], dtype=np.float64))[0])

    def agree(self, flag, what):
        """Raise a RuntimeError on every rank unless ``flag`` is the same on every rank; returns ``flag``."""
        t = torch.tensor([int(bool(flag)), -int(bool(flag))], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        if int(t[0]) != -int(t[1]):
            raise RuntimeError(
                f"distributed: the ranks disagree on {what}; with checkpoint_dir every rank must see the same "
                "folder (a shared file system for several machines)."
            )
        return flag

    def seed_noise(self, seed, stage, epoch=0):
        """Give each rank > 0 its own torch random stream (GAN noise, dropout); rank 0 keeps its stream."""
        if self.rank == 0:
            return
        state = np.random.SeedSequence([int(seed), int(stage), int(epoch), self.rank]).generate_state(1)[0]
        torch.manual_seed(int(state))

    def barrier(self):
        dist.barrier()


@contextlib.contextmanager
def data_parallel(mode, device, seed=0):
    """Context of one fit: a :class:`DataParallel` when the fit is data-parallel, else None.

    Parameters
    ----------
    mode : {"auto", "on", "off"}
        ``"auto"``: data-parallel when an initialized process group or the
        launch environment (``WORLD_SIZE``) has more than one process;
        ``"on"``: data-parallel, an error without either; ``"off"``: never.
    device : torch.device
        The estimator's device; ``"cuda"`` without an index becomes
        ``cuda:LOCAL_RANK``.
    seed : int
        The seed common to all ranks.

    Yields
    ------
    dp : DataParallel or None
        The process group is created here (``nccl`` for CUDA, ``gloo`` for
        the CPU, ``init_method="env://"``) unless one exists, and destroyed on
        exit only if it was created here.
    """
    if mode == "off" or not dist.is_available():
        if mode == "on":
            raise ValueError("distributed: expected a torch build with torch.distributed for 'on', got one without.")
        yield None
        return
    created = False
    if dist.is_initialized():
        world, rank = dist.get_world_size(), dist.get_rank()
        try:
            env = launch_environment()
        except ValueError:  # a group made by the script (e.g. torch.multiprocessing.spawn) is what counts
            env = None
        local = env["local_rank"] if env else (rank % torch.cuda.device_count() if torch.cuda.is_available() else 0)
    else:
        env = launch_environment()
        if env is None:
            if mode == "on":
                raise ValueError(
                    "distributed: expected a torchrun launch (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR and "
                    "MASTER_PORT set) or an initialized torch.distributed process group for 'on', got neither. "
                    "Launch the script with `torchrun --nproc-per-node N script.py`, or use distributed='auto'."
                )
            yield None
            return
        world, rank, local = env["world_size"], env["rank"], env["local_rank"]
    if world < 2 and mode == "auto":
        yield None
        return
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", init_method="env://")
        created = True
    try:
        yield DataParallel(rank, world, local, device, seed)
    finally:
        if created:
            dist.destroy_process_group()


class DataParallelMixin:
    """Sharded training batches and averaged gradients for a skorch net (mix in before ``NeuralNet``).

    Inactive (the net trains as usual) unless ``data_parallel_`` holds a
    :class:`DataParallel`, which the estimator sets for the duration of a
    data-parallel fit.
    """

    data_parallel_ = None

    def get_iterator(self, dataset, training=False):
        dp = self.data_parallel_
        if not training or dp is None:
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train")
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = dp.shard_size(len(dataset))
        shuffle = kwargs.pop("shuffle", False)
        # the epoch being trained (1-based; skorch adds its history row first): the same on
        # every rank, and the same after resuming from a checkpoint
        sampler = dp.sampler(dataset, epoch=len(self.history), shuffle=shuffle)
        return self.iterator_train(dataset, sampler=sampler, **kwargs)

    def sync_optimizer_gradients(self, optimizer_name):
        """Average the gradients of the module that optimizer ``<optimizer_name>_`` steps (see :meth:`sync_gradients`).

        ``"optimizer"`` steps ``module_``, ``"<name>_optimizer"`` steps ``<name>_``.
        """
        if self.data_parallel_ is not None:
            name = "module" if optimizer_name == "optimizer" else optimizer_name[: -len("_optimizer")]
            self.data_parallel_.average(getattr(self, name + "_"))

    def sync_gradients(self, module):
        """Average ``module``'s gradients and floating buffers over the ranks (no-op outside a data-parallel fit).

        Call between ``backward()`` and the optimizer's ``step()``.
        """
        if self.data_parallel_ is not None:
            self.data_parallel_.average(module)
