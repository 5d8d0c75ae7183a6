"""The plain one-vs-all baseline: the UQGAN model without its GAN."""

from __future__ import annotations

from scipy.special import expit

from .._validation import check_number
from ..training import module_logits
from ..uncertainty import ova_uncertainty
from ._common import NetBaseline, fill_doc
from .nets import OvANet

__all__ = ["OvAClassifier"]


@fill_doc
class OvAClassifier(NetBaseline):
    """Plain one-vs-all classifier: the UQGAN model without its GAN.

    ``K`` sigmoid heads trained with
    :func:`~gan_ova.losses.ova_classifier_loss` on real data only (positives
    for the own head, class-count weighted negatives ``w[y, k] = n_k / n_y``
    for the others, weighted by ``lambda_real``). Test time as in
    :class:`~gan_ova.GANShieldedOvAClassifier`
    (:func:`gan_ova.uncertainty.ova_uncertainty`): ``P(k|x)`` from the
    rescaled sigmoids and the class priors, ``aleatoric = H(P(.|x)) / log K``,
    ``epistemic = 1 - P_in(x)``.

    Parameters
    ----------
    {input_params}
    lambda_real : float in [0, 1], default=0.6
        Weight of the negatives in the OvA loss.
    {training_params}

    Attributes
    ----------
    {attributes}
    net_ : OvANet
        The fitted skorch net.
    best_epoch_ : int or None
        Epoch whose classifier was kept (None without validation).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import OvAClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = OvAClassifier(max_epochs=5, batch_size=48, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> sorted(clf.predict_uncertainty(X[:2]))
    ['aleatoric', 'epistemic', 'ova_proba', 'p_in', 'proba']
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        lambda_real=0.6,
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
        self.lambda_real = lambda_real
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
        check_number("lambda_real", self.lambda_real, low=0, high=1)

    def _fit_nets(self, ctx):
        net = OvANet(**self._net_kwargs(ctx), class_counts=ctx.counts, lambda_real=self.lambda_real)
        net.fit(ctx.Xc[ctx.tr], ctx.y_idx[ctx.tr])
        self.net_ = net
        self.best_epoch_ = self._best_epoch(net)

    def _uncertainty_dict(self, Xc):
        logits = module_logits(self.net_.module_, Xc, self.net_.device, precision=self.net_.precision)
        return ova_uncertainty(expit(logits), self.class_prior_)
