"""Callbacks of the training nets.

Stateful callbacks (:class:`LinearLRDecay`, :class:`BestClassifierState`)
own their state: ``state_dict()`` returns it as plain values and tensors,
``load_state_dict()`` puts it back, so that
:func:`~gan_ova.training.save_training_state` checkpoints any net's
callbacks without knowing their attributes.
"""

from __future__ import annotations

import numpy as np
from skorch.callbacks import Callback

__all__ = ["LinearLRDecay", "BestClassifierState", "EpochCheckpoint", "EpochMeans", "ShieldDiagnostics"]


class LinearLRDecay(Callback):
    """Decay the learning rate of every optimizer of a net linearly, per batch.

    From each optimizer's initial rate to ``final_lr`` over ``max_epochs``
    epochs of training batches.

    Parameters
    ----------
    final_lr : float, default=1e-5
        Learning rate of every optimizer at the last training batch.
    """

    def __init__(self, final_lr=1e-5):
        self.final_lr = final_lr

    def initialize(self):
        self.step_ = 0
        self.total_ = None
        self.initial_lrs_ = None
        return self

    def on_train_begin(self, net, **kwargs):
        if self.initial_lrs_ is None:  # kept when training resumes from a checkpoint
            self.initial_lrs_ = {
                name: [g["lr"] for g in getattr(net, name + "_").param_groups] for name in net._optimizers
            }

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.total_ is None:
            n = len(dataset_train)
            dp = getattr(net, "data_parallel_", None)
            if dp is not None:  # a data-parallel fit: each rank sees its shard
                n = dp.shard_size(n)
            bs = net.get_params_for("iterator_train").get("batch_size", net.batch_size)
            drop_last = net.get_params_for("iterator_train").get("drop_last", False)
            per_epoch = n // bs if drop_last else -(-n // bs)
            self.total_ = max(per_epoch * net.max_epochs, 1)

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        frac = min(self.step_ / max(self.total_ - 1, 1), 1.0)
        for name, lrs in self.initial_lrs_.items():
            for group, lr0 in zip(getattr(net, name + "_").param_groups, lrs):
                group["lr"] = lr0 + (self.final_lr - lr0) * frac
        self.step_ += 1

    def state_dict(self):
        """The schedule's position (plain values), for :func:`~gan_ova.training.save_training_state`.

        Returns
        -------
        state : dict
            ``step`` (batches done), ``total`` (batches of the whole schedule,
            None before the first epoch) and ``initial_lrs`` (per optimizer
            name, the initial rate of each parameter group; None before
            training).
        """
        return {"step": self.step_, "total": self.total_, "initial_lrs": self.initial_lrs_}

    def load_state_dict(self, state):
        """Continue the schedule from a :meth:`state_dict`.

        Parameters
        ----------
        state : dict
            A dict returned by :meth:`state_dict`.

        Returns
        -------
        self : LinearLRDecay
            This callback.
        """
        self.step_, self.total_, self.initial_lrs_ = state["step"], state["total"], state["initial_lrs"]
        return self



class BestClassifierState(Callback):
    """Keep the classifier weights with the best validation accuracy.

    After each epoch whose ``valid_acc`` equals or beats the best so far the
    classifier's state is copied (in memory; ties go to the later epoch); at
    the end of training it is restored. The history
    gets ``valid_acc_best`` flags. Without validation data nothing happens.
    """

    def initialize(self):
        self.best_score_ = -np.inf
        self.best_epoch_ = None
        self.best_state_ = None
        return self

    def on_epoch_end(self, net, **kwargs):
        if "valid_acc" not in net.history[-1]:
            return
        score = net.history[-1, "valid_acc"]
        dp = getattr(net, "data_parallel_", None)
        if dp is not None:  # a data-parallel fit: rank 0's score decides on every rank
            score = dp.broadcast_float(score)
        is_best = score >= self.best_score_  # ties: prefer the later, longer-trained state
        net.history.record("valid_acc_best", bool(is_best))
        if is_best:
            self.best_score_ = score
            self.best_epoch_ = len(net.history)
            self.best_state_ = {k: v.detach().cpu().clone() for k, v in net.module_.state_dict().items()}

    def on_train_end(self, net, **kwargs):
        if self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)
        # The copy is only needed during training; do not carry it in pickles.
        self.best_state_ = None

    def state_dict(self):
        """The best score, its epoch and (during training) the copied weights.

        Returns
        -------
        state : dict
            ``score`` (best validation accuracy so far, ``-inf`` before the
            first), ``epoch`` (its 1-based epoch or None) and ``state`` (the
            classifier's state dict at that epoch on the CPU, or None outside
            training).
        """
        return {"score": self.best_score_, "epoch": self.best_epoch_, "state": self.best_state_}

    def load_state_dict(self, state):
        """Continue from a :meth:`state_dict`.

        Parameters
        ----------
        state : dict
            A dict returned by :meth:`state_dict`.

        Returns
        -------
        self : BestClassifierState
            This callback.
        """
        self.best_score_, self.best_epoch_, self.best_state_ = state["score"], state["epoch"], state["state"]
        return self



class EpochCheckpoint(Callback):
    """Write the complete stage-2 training state to ``path`` after every epoch.

    The file holds the state dicts of the classifier, generator, critic and
    their optimizers, the history, the learning-rate schedule position, the
    best-validation state and the RNG states -- everything needed to continue
    training exactly where it stopped (see :func:`restore_training_state`).
    It is written to a temporary file and renamed, so a crash while writing
    never leaves a broken checkpoint.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file, overwritten after every epoch.
    extra : dict or None, default=None
        Plain values stored alongside, e.g. a fingerprint of the data and
        parameters (read back as ``state["extra"]``).
    """

    def __init__(self, path, extra=None):
        self.path = path
        self.extra = extra

    def on_epoch_end(self, net, **kwargs):
        from .checkpoint import save_training_state

        save_training_state(net, self.path, self.extra)


class EpochMeans(Callback):
    """Average per-batch history entries into per-epoch entries (shown by PrintLog).

    Parameters
    ----------
    keys : iterable of str
        The batch-history keys to average; each epoch gets an entry of the
        same name (none if no batch of the epoch recorded the key).
    """

    def __init__(self, keys):
        self.keys = keys

    def on_epoch_end(self, net, **kwargs):
        batches = net.history[-1, "batches"]
        for key in self.keys:
            vals = [b[key] for b in batches if key in b]
            if vals:
                net.history.record(key, float(np.mean(vals)))


class ShieldDiagnostics(Callback):
    """Record where the shields sit after every stage-2 epoch (see :mod:`gan_ova.diagnostics`).

    At the start of training it keeps up to ``max_per_class`` training
    examples per class (a fixed random subset; released at the end of
    training, so it never reaches a pickle). After each epoch it draws
    ``n_per_class`` fresh shields per class and records, per class,
    ``shield_ratio_per_class`` (distance ratio), ``shield_p_per_class``
    (own-head probability of the shields) and ``recon_p_per_class``
    (own-head probability of the reconstructions of real examples), plus
    their summaries ``shield_ratio`` (median over classes), ``shield_p`` and
    ``recon_p`` (means), which the epoch log shows.

    Parameters
    ----------
    n_per_class : int, default=128
        Fresh shields drawn per class after each epoch.
    max_per_class : int, default=500
        Most training examples per class kept for the statistics.
    """

    per_class_keys = ("shield_ratio_per_class", "shield_p_per_class", "recon_p_per_class")

    def __init__(self, n_per_class=128, max_per_class=500):
        self.n_per_class = n_per_class
        self.max_per_class = max_per_class

    def initialize(self):
        self.data_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        streamed = hasattr(X, "stage2_arrays")  # a streamed dataset (gan_ova._streaming.Stage2Items)
        if streamed:
            y = X.labels
        elif not isinstance(X, dict) or "z" not in X or y is None:
            self.data_ = None
            return
        y = np.asarray(y)
        rng = np.random.RandomState(0)
        keep = np.sort(np.concatenate([
            rng.permutation(np.flatnonzero(y == k))[: self.max_per_class] for k in np.unique(y)
        ]))
        self.data_ = X.stage2_arrays(keep) if streamed else (np.asarray(X["x"])[keep], np.asarray(X["z"])[keep], y[keep])

    def on_epoch_end(self, net, **kwargs):
        if self.data_ is None:
            return
        x, z, y = self.data_
        stats = net.shield_statistics(x, z, y, n_per_class=self.n_per_class, seed=len(net.history))
        h = net.history
        h.record("shield_ratio_per_class", [float(v) for v in stats["distance_ratio"]])
        h.record("shield_p_per_class", [float(v) for v in stats["own_head_p"]])
        h.record("recon_p_per_class", [float(v) for v in stats["reconstruction_head_p"]])
        h.record("shield_ratio", float(np.nanmedian(stats["distance_ratio"])))
        h.record("shield_p", float(np.nanmean(stats["own_head_p"])))
        h.record("recon_p", float(np.nanmean(stats["reconstruction_head_p"])))

    def on_train_end(self, net, **kwargs):
        self.data_ = None
