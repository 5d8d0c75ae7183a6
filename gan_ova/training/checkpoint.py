"""Checkpoints of a training net: write atomically, read without running code, resume exactly.

A checkpoint holds the state dicts of the net's modules and optimizers, its
history, the state of every callback that has ``state_dict()`` (the
learning-rate schedule, the best-validation state, ...) and the RNG states.
"""

from __future__ import annotations

import json
import os

import torch
from skorch.history import History

__all__ = ["atomic_torch_save", "save_training_state", "load_training_state", "restore_training_state"]

# Checkpoints written before callbacks owned their state stored these two under fixed keys.
_LEGACY_CALLBACK_KEYS = {"lr_decay": "lr_decay", "best_classifier": "best"}


def atomic_torch_save(obj, path):
    """``torch.save`` to a temporary file, then rename: never a half-written file at ``path``.

    Parameters
    ----------
    obj : object
        What to save (anything ``torch.save`` accepts).
    path : str or os.PathLike
        The destination file; ``<path>.tmp`` is written first and then
        renamed to it (replacing an existing file).

    Examples
    --------
    >>> import os, tempfile, torch
    >>> path = os.path.join(tempfile.mkdtemp(), "state.pt")
    >>> atomic_torch_save({"w": torch.ones(2)}, path)
    >>> torch.load(path, weights_only=True)["w"]
    tensor([1., 1.])
    """
    tmp = f"{path}.tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _module_names(net):
    """The net's modules (``module`` plus, for GAN nets, ``generator`` and ``critic``)."""
    return [name for name in ("module", "generator", "critic") if hasattr(net, name + "_")]


def save_training_state(net, path, extra=None):
    """Save a net's full training state to ``path`` (see :class:`~gan_ova.training.EpochCheckpoint`).

    Parameters
    ----------
    net : skorch.NeuralNet
        An initialized net (e.g. :class:`~gan_ova.training.ShieldingNet`).
    path : str
        File to write (atomically).
    extra : dict or None
        Plain values stored alongside (e.g. a fingerprint of the fit).
    """
    state = {
        "modules": {name: getattr(net, name + "_").state_dict() for name in _module_names(net)},
        "optimizers": {name: getattr(net, name + "_").state_dict() for name in net._optimizers},
        "history": json.loads(json.dumps(list(net.history), default=float)),  # plain types only
        "callbacks": {name: cb.state_dict() for name, cb in net.callbacks_ if hasattr(cb, "state_dict")},
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "extra": extra or {},
    }
    scalers = getattr(net, "grad_scalers_", None)
    if scalers:  # precision="16-mixed": the loss scales, so that a resumed fit scales as an uninterrupted one
        state["grad_scalers"] = {name: scaler.state_dict() for name, scaler in scalers.items()}
    atomic_torch_save(state, path)


def load_training_state(path):
    """Read a checkpoint written by :func:`save_training_state` (``weights_only=True``: no code runs).

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.

    Returns
    -------
    state : dict
        The saved training state, tensors on the CPU: ``modules``,
        ``optimizers``, ``history``, ``callbacks``, ``rng``, ``cuda_rng`` and
        ``extra`` (see :func:`restore_training_state`).
    """
    return torch.load(path, map_location="cpu", weights_only=True)


def restore_training_state(net, state):
    """Put a freshly initialized net back into a checkpointed state.

    Restores the state dicts of the modules, optimizers and gradient scalers
    (``precision="16-mixed"``), the history, the
    state of every callback with ``load_state_dict()`` and the RNG states.

    Parameters
    ----------
    net : skorch.NeuralNet
        An initialized net of the same configuration as the one saved.
    state : dict
        A checkpoint read by :func:`load_training_state`.

    Returns
    -------
    n_epochs : int
        The number of epochs already trained.
    """
    for name, sd in state["modules"].items():
        getattr(net, name + "_").load_state_dict(sd)
    for name, sd in state["optimizers"].items():
        getattr(net, name + "_").load_state_dict(sd)
    scalers = getattr(net, "grad_scalers_", {})
    for name, sd in state.get("grad_scalers", {}).items():
        if name in scalers:
            scalers[name].load_state_dict(sd)
    net.history_ = History(state["history"])
    saved = state.get("callbacks")
    if saved is None:  # a checkpoint from gan_ova <= 0.1.0.dev0 (same fields, fixed keys)
        saved = {cb: state[key] for cb, key in _LEGACY_CALLBACK_KEYS.items() if key in state}
    for name, cb in net.callbacks_:
        if name in saved and hasattr(cb, "load_state_dict"):
            cb.load_state_dict(saved[name])
    torch.set_rng_state(state["rng"])
    if state.get("cuda_rng") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    return len(net.history)
