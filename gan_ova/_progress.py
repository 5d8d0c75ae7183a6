"""What a fit prints with ``verbose >= 1``: a plan line, a training-only progress bar, a plain epoch log.

Shared by :class:`~gan_ova.GANShieldedOvAClassifier` (both stages) and the
baselines. With ``verbose=0`` none of these callbacks is installed and
skorch's epoch log stays silent.

* :class:`TrainingPlan` prints ``epochs x batches per epoch`` before a stage
  trains, once its first epoch is logged an estimate of the stage's
  duration, and at the end what the stage cost (seconds per epoch and
  training images per second).
* :class:`TrainingProgressBar` is skorch's ``ProgressBar`` counting training
  batches only (skorch's counts validation batches too, and ignores
  ``drop_last``, so the bar stopped short of its total).
* :class:`PlainPrintLog` is skorch's ``PrintLog`` without ANSI colour codes
  unless stdout is a terminal (log files and CI output stay readable).
"""

from __future__ import annotations

import re
import sys
import time

from skorch.callbacks import Callback, PrintLog, ProgressBar
from skorch.dataset import get_len

__all__ = [
    "PlainPrintLog",
    "TrainingPlan",
    "TrainingProgressBar",
    "format_duration",
    "n_train_batches",
    "verbose_callbacks",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def n_train_batches(n_train, batch_size, drop_last):
    """Training batches per epoch.

    Examples
    --------
    >>> n_train_batches(400, 32, drop_last=True), n_train_batches(400, 32, drop_last=False)
    (12, 13)
    """
    return n_train // batch_size if drop_last else -(-n_train // batch_size)


def format_duration(seconds):
    """A short human-readable duration.

    Examples
    --------
    >>> format_duration(0.2), format_duration(42.4), format_duration(200), format_duration(4000)
    ('< 1 s', '42 s', '3 min 20 s', '1 h 06 min')
    """
    if seconds < 1:
        return "< 1 s"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s" if s % 60 else f"{s // 60} min"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def _stdout_is_terminal():
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False


class PlainPrintLog(PrintLog):
    """skorch's ``PrintLog`` that colours the best values only on a terminal.

    skorch wraps improved scores in ANSI colour codes; written to a file, a
    pipe or a CI log they show up as ``^[[36m...``. They are kept when the
    log goes to ``print`` on a terminal and dropped otherwise.

    Examples
    --------
    >>> log = PlainPrintLog().initialize()
    >>> log.format_row({"valid_loss": 0.5, "valid_loss_best": True}, "valid_loss", color="\\x1b[32m")  # not a TTY
    '0.5000'
    """

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not (self.sink is print and _stdout_is_terminal()):
            text = _ANSI.sub("", text)
        return text


class TrainingProgressBar(ProgressBar):
    """skorch's ``ProgressBar`` over the training batches of each epoch only.

    With ``batches_per_epoch="auto"`` the total is computed from the training
    set, the batch size and ``iterator_train__drop_last``; validation batches
    do not move the bar.
    """

    def _get_batches_per_epoch(self, net, dataset_train, dataset_valid):
        if dataset_train is None:
            return 0
        drop_last = bool(getattr(net, "iterator_train__drop_last", False))
        return n_train_batches(get_len(dataset_train), self._get_batch_size(net, True), drop_last)

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            super().on_batch_end(net, **kwargs)


class TrainingPlan(Callback):
    """Print the plan of a training stage, then, after its first epoch, the expected duration.

    Parameters
    ----------
    stage : str
        Name printed in front of each line, e.g. ``"stage 2/2: shielding GAN"``.
    batches_per_epoch : int or None, default=None
        Training batches per epoch; None counts them from the training data.
    sink : callable, default=print
        Where the lines go.

    Examples
    --------
    >>> plan = TrainingPlan("demo")
    >>> plan.plan_line(epochs=20, batches=5, batch_size=32, n_train=160)
    '[gan_ova] demo: 20 epochs x 5 batches per epoch (batch size 32, 160 training samples)'
    >>> plan.estimate_line(epoch_seconds=3.0, epochs=20)
    '[gan_ova] demo: first epoch took 3 s; the stage should take about 1 min (about 57 s left)'
    >>> plan.summary_line(seconds=60.0, epochs=20, images_per_epoch=160)
    '[gan_ova] demo: 20 epochs in 1 min (3.0 s per epoch, 53 images/s)'
    """

    def __init__(self, stage, batches_per_epoch=None, sink=print):
        self.stage = stage
        self.batches_per_epoch = batches_per_epoch
        self.sink = sink

    def initialize(self):
        self.epochs_ = 0
        self.epoch_count_ = 0
        self.epoch_start_ = None
        self.first_epoch_seconds_ = None
        self.train_start_ = None
        self.images_per_epoch_ = 0
        return self

    def summary_line(self, seconds, epochs, images_per_epoch):
        per_epoch = seconds / max(epochs, 1)
        rate = images_per_epoch / per_epoch if per_epoch > 0 else float("inf")
        return (
            f"[gan_ova] {self.stage}: {epochs} epochs in {format_duration(seconds)} "
            f"({per_epoch:.1f} s per epoch, {rate:,.0f} images/s)"
        )

    def plan_line(self, epochs, batches, batch_size, n_train):
        return (
            f"[gan_ova] {self.stage}: {epochs} epochs x {batches} batches per epoch "
            f"(batch size {batch_size}, {n_train} training samples)"
        )

    def estimate_line(self, epoch_seconds, epochs):
        total = epoch_seconds * epochs
        left = epoch_seconds * (epochs - 1)
        return (
            f"[gan_ova] {self.stage}: first epoch took {format_duration(epoch_seconds)}; the stage should take "
            f"about {format_duration(total)} (about {format_duration(left)} left)"
        )

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.epochs_ = max(int(net.max_epochs) - len(net.history), 0)
        self.epoch_count_ = 0
        self.first_epoch_seconds_ = None
        self.train_start_ = None
        if self.epochs_ == 0:
            return
        n_train = get_len(X) if X is not None else 0
        bs = getattr(net, "iterator_train__batch_size", net.batch_size)
        batches = self.batches_per_epoch
        if batches is None:
            batches = n_train_batches(n_train, bs, bool(getattr(net, "iterator_train__drop_last", False)))
        self.images_per_epoch_ = batches * bs
        self.sink(self.plan_line(self.epochs_, batches, bs, n_train))
        self.train_start_ = time.perf_counter()

    def on_train_end(self, net, **kwargs):
        # the cost of the stage, so that a user sees it in the log: seconds per epoch and images/s
        if self.train_start_ is not None and self.epoch_count_ > 0:
            seconds = time.perf_counter() - self.train_start_
            self.sink(self.summary_line(seconds, self.epoch_count_, self.images_per_epoch_))

    def on_epoch_begin(self, net, **kwargs):
        # printed when the second epoch starts: after skorch's log line of the first one
        if self.epoch_count_ == 1 and self.first_epoch_seconds_ is not None:
            self.sink(self.estimate_line(self.first_epoch_seconds_, self.epochs_))
        self.epoch_start_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        self.epoch_count_ += 1
        if self.epoch_count_ == 1 and self.epoch_start_ is not None:
            self.first_epoch_seconds_ = time.perf_counter() - self.epoch_start_


def verbose_callbacks(verbose, stage, n_train=None, batch_size=None, drop_last=False):
    """The callbacks a fit adds for ``verbose >= 1`` (none for ``verbose=0``).

    Parameters
    ----------
    verbose : int
    stage : str
        Name of the training stage in the printed lines.
    n_train, batch_size : int or None, default=None
        Size of the training set and the batch size, when known; otherwise
        the callbacks count the batches from the data.
    drop_last : bool, default=False
        Whether the last incomplete training batch is dropped.

    Returns
    -------
    callbacks : list of (name, skorch.callbacks.Callback)

    Examples
    --------
    >>> verbose_callbacks(0, "stage 1/2")
    []
    >>> [name for name, _ in verbose_callbacks(1, "stage 1/2", n_train=160, batch_size=32, drop_last=True)]
    ['training_plan', 'progress_bar']
    """
    if not verbose:
        return []
    batches = n_train_batches(n_train, batch_size, drop_last) if n_train and batch_size else None
    return [
        ("training_plan", TrainingPlan(stage, batches_per_epoch=batches)),
        ("progress_bar", TrainingProgressBar(batches_per_epoch=batches if batches is not None else "auto")),
    ]
