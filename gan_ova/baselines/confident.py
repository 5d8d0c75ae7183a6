"""Lee et al.'s confident classifier: one unconditional GAN shields the whole data set."""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import softmax
from sklearn.utils.validation import check_is_fitted

from .._base import draw_seed, eval_mode
from .._validation import check_hidden, check_number
from ..nets.gan import Critic, Generator
from ..training import module_logits
from ._common import NetBaseline, fill_doc
from .nets import ConfidentNet
from .scores import softmax_scores

__all__ = ["ConfidentClassifier"]


@fill_doc
class ConfidentClassifier(NetBaseline):
    """Confident classifier (Lee, Lee, Lee and Shin, ICLR 2018): one GAN shields the whole data set.

    A softmax classifier ``f`` is trained jointly with one unconditional
    Wasserstein GAN (gradient penalty) in input space. Per real batch:
    ``n_critic`` critic steps; one generator step with loss
    ``-mean C(x~) + beta * KL(U || p(x~))`` -- generated samples should look
    like the data to the critic while the classifier is unsure of them, so
    they settle on the boundary of the data; one classifier step with loss
    ``CE(f(x), y) + lambda_kl * KL(U || p(x~))`` on a fresh generated batch,
    where ``p = softmax(f)`` and ``U`` is uniform over the classes. Test time
    is the max-softmax baseline: ``aleatoric = H(p) / log K``, ``epistemic =
    1 - max_k p_k``.

    Differences from the original: Lee et al. use a DCGAN (convolutional
    generator and discriminator, standard GAN loss). To stay consistent with
    the rest of this package and cheap on a CPU, the generator is the MLP
    :class:`~gan_ova.nets.gan.Generator` with a constant one-element
    condition (``n_classes=1``), whose output is decoded by
    ``sigmoid(.)`` reshaped to the image shape (for feature vectors it is
    used as is, in standardized units), and the critic is the WGAN-GP MLP
    :class:`~gan_ova.nets.gan.Critic` on flattened inputs.

    Parameters
    ----------
    {input_params}
    lambda_kl : float, default=1.0
        Weight of the KL term in the classifier loss.
    beta : float, default=1.0
        Weight of the KL term in the generator loss.
    noise_dim : int, default=128
        Dimension of the generator's uniform noise.
    generator_hidden : tuple of int, default=(1024, 512, 256)
        Hidden sizes of the generator MLP.
    critic_hidden : tuple of int, default=(512, 512, 512)
        Hidden sizes of the critic MLP.
    lambda_gp : float, default=10.0
        WGAN-GP gradient-penalty weight.
    n_critic : int, default=1
        Critic steps per real batch.
    generator_lr, critic_lr : float, default=1e-4
        Adam learning rates (betas (0, 0.9)) of the generator and critic.
    {training_params}

    Attributes
    ----------
    {attributes}
    net_ : ConfidentNet
        The fitted skorch net: ``module_`` (classifier), ``generator_``,
        ``critic_``; ``history`` holds per-batch and per-epoch losses
        (``critic_loss``, ``wasserstein``, ``generator_loss``, ``kl_fake``,
        ``classifier_loss``).
    best_epoch_ : int or None
        Epoch whose classifier was kept (None without validation).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import ConfidentClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = ConfidentClassifier(max_epochs=5, batch_size=48, noise_dim=8, generator_hidden=(32,),
    ...                           critic_hidden=(32,), random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> clf.sample(4, random_state=0).shape
    (4, 2)
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        lambda_kl=1.0,
        beta=1.0,
        noise_dim=128,
        generator_hidden=(1024, 512, 256),
        critic_hidden=(512, 512, 512),
        lambda_gp=10.0,
        n_critic=1,
        generator_lr=1e-4,
        critic_lr=1e-4,
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
        self.lambda_kl = lambda_kl
        self.beta = beta
        self.noise_dim = noise_dim
        self.generator_hidden = generator_hidden
        self.critic_hidden = critic_hidden
        self.lambda_gp = lambda_gp
        self.n_critic = n_critic
        self.generator_lr = generator_lr
        self.critic_lr = critic_lr
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
        for name in ("lambda_kl", "beta", "lambda_gp"):
            check_number(name, getattr(self, name), low=0)
        for name in ("generator_lr", "critic_lr"):
            check_number(name, getattr(self, name), low=0, low_open=True)
        for name in ("noise_dim", "n_critic"):
            check_number(name, getattr(self, name), low=1, integer=True)
        check_hidden("generator_hidden", self.generator_hidden)
        check_hidden("critic_hidden", self.critic_hidden)
        # the generator's BatchNorm needs at least 2 examples per batch
        check_number("batch_size", self.batch_size, low=2, integer=True)

    def _fit_nets(self, ctx):
        n_flat = int(np.prod(ctx.input_shape))
        net = ConfidentNet(
            **self._net_kwargs(ctx, drop_last=True),
            generator=Generator,
            generator__n_classes=1,
            generator__latent_dim=n_flat,
            generator__noise_dim=self.noise_dim,
            generator__hidden=tuple(self.generator_hidden),
            critic=Critic,
            critic__n_classes=1,
            critic__latent_dim=n_flat,
            critic__hidden=tuple(self.critic_hidden),
            n_classes=ctx.K,
            image_shape=ctx.image_shape,
            lambda_kl=self.lambda_kl,
            beta=self.beta,
            lambda_gp=self.lambda_gp,
            n_critic=self.n_critic,
            noise_dim=self.noise_dim,
            generator_lr=self.generator_lr,
            critic_lr=self.critic_lr,
        )
        net.fit(ctx.Xc[ctx.tr], ctx.y_idx[ctx.tr])
        self.net_ = net
        self.best_epoch_ = self._best_epoch(net)

    def _uncertainty_dict(self, Xc):
        logits = module_logits(self.net_.module_, Xc, self.net_.device, precision=self.net_.precision)
        return softmax_scores(softmax(logits, axis=1), "max_softmax")

    def sample(self, n_samples, random_state=None):
        """Draw shielding samples from the fitted generator (in evaluation mode).

        Parameters
        ----------
        n_samples : int
        random_state : int, RandomState instance or None, default=None
            Seeds the generator noise (the global torch RNG is untouched).

        Returns
        -------
        X_gen : ndarray of shape (n_samples, C, H, W) or (n_samples, n_features)
            Images in [0, 1] (classifier space), or feature vectors in the
            units of the training data.
        """
        check_is_fitted(self)
        check_number("n_samples", n_samples, low=1, integer=True)
        seed = draw_seed(random_state)
        net = self.net_
        noise = torch.rand(n_samples, self.noise_dim, generator=torch.Generator().manual_seed(seed))
        with eval_mode(net.generator_):
            x = net.generate(n_samples, noise.to(net.device)).cpu().numpy().astype(np.float64)
        if self.image_shape_ is None:
            x = x * self.input_scale_ + self.input_mean_
        return x
