"""Softmax baselines: max softmax / entropy, MC dropout and the deep ensemble."""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import softmax

from .._base import fork_devices
from .._validation import check_choice, check_number
from ..training import module_logits
from ._common import NetBaseline, fill_doc
from .scores import mutual_information_scores, softmax_scores

__all__ = ["SoftmaxClassifier", "MCDropoutClassifier", "DeepEnsembleClassifier"]


@fill_doc
class SoftmaxClassifier(NetBaseline):
    """Softmax classifier with the max-softmax or entropy uncertainty baseline.

    One network trained with cross-entropy. At test time ``p = softmax(f(x))``
    gives ``aleatoric = H(p) / log K`` and ``epistemic = 1 - max_k p_k``
    (Hendrycks and Gimpel, 2017; ``epistemic_score="max_softmax"``) or the
    normalized entropy ``H(p) / log K`` (``epistemic_score="entropy"``).

    Parameters
    ----------
    {input_params}
    epistemic_score : {"max_softmax", "entropy"}, default="max_softmax"
        Epistemic (out-of-distribution) score. (Not called ``score``, which
        would hide scikit-learn's ``score`` method.)
    {training_params}

    Attributes
    ----------
    {attributes}
    net_ : SoftmaxNet
        The fitted skorch net (``module_`` is the classifier).
    best_epoch_ : int or None
        Epoch whose classifier was kept (None without validation).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import SoftmaxClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = SoftmaxClassifier(max_epochs=5, batch_size=48, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> u = clf.predict_uncertainty(X[:3])
    >>> u.proba.shape, u.epistemic.shape
    ((3, 2), (3,))
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        epistemic_score="max_softmax",
        lr=1e-3,
        batch_size=256,
        max_epochs=20,
        validation_fraction=0.2,
        device="cpu",
        precision="32",
        compile=False,
        random_state=None,
        verbose=0,
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.epistemic_score = epistemic_score
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.precision = precision
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose

    def _validate_own_params(self):
        check_choice("epistemic_score", self.epistemic_score, ("max_softmax", "entropy"))

    def _fit_nets(self, ctx):
        self.net_ = self._train_softmax_net(ctx)
        self.best_epoch_ = self._best_epoch(self.net_)

    def _uncertainty_dict(self, Xc):
        logits = module_logits(self.net_.module_, Xc, self.net_.device, precision=self.net_.precision)
        return softmax_scores(softmax(logits, axis=1), self.epistemic_score)


@fill_doc
class MCDropoutClassifier(NetBaseline):
    """Softmax classifier with Monte-Carlo dropout (Gal and Ghahramani, 2016).

    The backbone is built with dropout rate ``dropout``, which stays active at
    test time: ``mc_samples`` stochastic passes give softmax outputs ``p_t``
    and their mean ``p`` (the returned probabilities). ``aleatoric = H(p) /
    log K`` (normalized entropy of the mean) and ``epistemic`` is the
    normalized mutual information ``(H(p) - mean_t H(p_t)) / log K``, the
    disagreement between passes (see :func:`mutual_information_scores`).
    The dropout masks are drawn from a seed fixed at fit, inside a forked
    torch RNG and under a lock, so predictions are deterministic and
    thread-safe (the global torch RNG is untouched).

    Parameters
    ----------
    {input_params}
    dropout : float in (0, 0.99], default=0.5
        Dropout rate, in training and at test time.
    mc_samples : int, default=50
        Stochastic forward passes at test time.
    {training_params}

    Attributes
    ----------
    {attributes}
    net_ : SoftmaxNet
        The fitted skorch net.
    best_epoch_ : int or None
        Epoch whose classifier was kept (None without validation).
    random_seed_ : int
        Seed of the test-time dropout masks.

    Notes
    -----
    Masks are drawn per row position of each call, so the prediction for an
    example is reproducible for the same ``X`` but can change slightly when
    it is passed in a different order or subset (as with
    ``GANShieldedOvAClassifier(mc_dropout > 0)``).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import MCDropoutClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = MCDropoutClassifier(mc_samples=10, max_epochs=5, batch_size=48, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> bool((clf.predict_proba(X) == clf.predict_proba(X)).all())   # deterministic masks
    True
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        dropout=0.5,
        mc_samples=50,
        lr=1e-3,
        batch_size=256,
        max_epochs=20,
        validation_fraction=0.2,
        device="cpu",
        precision="32",
        compile=False,
        random_state=None,
        verbose=0,
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.dropout = dropout
        self.mc_samples = mc_samples
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.precision = precision
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose

    def _validate_own_params(self):
        check_number("dropout", self.dropout, low=0, low_open=True, high=0.99)
        check_number("mc_samples", self.mc_samples, low=1, integer=True)

    def _fit_nets(self, ctx):
        self.net_ = self._train_softmax_net(ctx, dropout=self.dropout)
        self.best_epoch_ = self._best_epoch(self.net_)

    def _uncertainty_dict(self, Xc):
        net = self.net_
        with self._lock(), torch.random.fork_rng(devices=fork_devices(net.device)):
            torch.manual_seed(self.random_seed_)
            logits = module_logits(net.module_, Xc, net.device, precision=net.precision, mc_passes=self.mc_samples)
        return mutual_information_scores(softmax(logits, axis=2))


@fill_doc
class DeepEnsembleClassifier(NetBaseline):
    """Deep ensemble of softmax classifiers (Lakshminarayanan et al., 2017).

    ``n_members`` networks trained on the same data (and validation split)
    from different seeds (initialization and batch order). Their softmax
    outputs ``p_t`` are averaged into ``p`` (the returned probabilities);
    ``aleatoric = H(p) / log K`` and ``epistemic`` is the normalized mutual
    information ``(H(p) - mean_t H(p_t)) / log K``, the members' disagreement
    (see :func:`mutual_information_scores`).

    Parameters
    ----------
    {input_params}
    n_members : int >= 2, default=5
        Number of networks.
    {training_params}

    Attributes
    ----------
    {attributes}
    nets_ : list of SoftmaxNet
        The fitted members.
    best_epochs_ : list of (int or None)
        Epoch whose classifier was kept, per member.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import DeepEnsembleClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = DeepEnsembleClassifier(n_members=2, max_epochs=5, batch_size=48, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> len(clf.nets_)
    2
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        n_members=5,
        lr=1e-3,
        batch_size=256,
        max_epochs=20,
        validation_fraction=0.2,
        device="cpu",
        precision="32",
        compile=False,
        random_state=None,
        verbose=0,
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.n_members = n_members
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.precision = precision
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose

    def _n_torch_seeds(self):
        return self.n_members

    def _validate_own_params(self):
        check_number("n_members", self.n_members, low=2, integer=True)

    def _fit_nets(self, ctx):
        nets = []
        seeds = ctx.seeds["torch"]
        for i, seed in enumerate(seeds):
            torch.manual_seed(seed)
            ctx.stage = f"{type(self).__name__} member {i + 1}/{len(seeds)}"
            nets.append(self._train_softmax_net(ctx))
        self.nets_ = nets
        self.best_epochs_ = [self._best_epoch(net) for net in nets]

    def _uncertainty_dict(self, Xc):
        logits = np.stack([module_logits(net.module_, Xc, net.device, precision=net.precision) for net in self.nets_])
        return mutual_information_scores(softmax(logits, axis=2))
