"""GANShieldedOvAClassifier: the UQGAN method as a scikit-learn estimator."""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import LRScheduler
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from skorch.history import History
from torch import nn

from . import _streaming
from ._base import BaseUQClassifier, draw_seed, eval_mode, fork_devices, standardization, warn_user
from ._validation import InvalidParametersError, check_bool, check_choice, check_hidden, check_number
from ._farfield import FarFieldSampler, squash, squash_scales, unsquash
from ._progress import PlainPrintLog, verbose_callbacks
from .nets.cae import ConvCAE, ResidualCAE
from .nets.classifiers import MLP
from .nets.gan import Critic, Generator
from .training import (
    AutoencoderNet,
    EpochCheckpoint,
    ShieldDecoder,
    ShieldDiagnostics,
    ShieldingNet,
    atomic_torch_save,
    load_training_state,
    restore_training_state,
)
from .training.distributed import data_parallel
from .calibration import fit_temperature, has_no_errors
from .uncertainty import class_probabilities, ova_uncertainty

__all__ = ["GANShieldedOvAClassifier"]

#: The built-in conditional autoencoders, by name (``autoencoder`` parameter).
AUTOENCODERS = {"conv": ConvCAE, "residual": ResidualCAE}


# The nets record a Ctrl-C themselves now; these names stay for pickles made by gan_ova <= 0.1.0.dev0.
_InterruptibleAutoencoderNet = AutoencoderNet
_InterruptibleShieldingNet = ShieldingNet


@contextlib.contextmanager
def _data_parallel_net(net, dp):
    """Train ``net`` data-parallel over ``dp`` inside the block (nothing without ``dp``); never left in a pickle."""
    if dp is None:
        yield net
        return
    net.data_parallel_ = dp
    try:
        yield net
    finally:
        vars(net).pop("data_parallel_", None)


class GANShieldedOvAClassifier(BaseUQClassifier):
    """One-vs-all classifier shielded by a latent conditional GAN (UQGAN).

    Implements Oberdiek, Fink and Rottmann, "UQGAN: A Unified Model for
    Uncertainty Quantification of Deep Classifiers trained via Conditional
    GANs" (NeurIPS 2022). Training has two stages:

    1. a conditional autoencoder (cAE) ``E(x, y) -> z``, ``D(z, y) -> x`` is
       fitted with binary cross-entropy, then frozen; the codes of the
       training set are computed once and cached (and, by default,
       standardized per dimension);
    2. a conditional Wasserstein GAN in the cAE's latent space is trained
       jointly with a one-vs-all (OvA) classifier: the generator produces, for
       each class ``y``, codes that the critic takes for class ``y`` but that
       the classifier's head ``y`` rejects -- examples on the boundary of class
       ``y`` -- spread around each real example by an angular regularizer. Each
       generated example is a negative for its own class's head.

    At test time one forward pass gives the OvA sigmoids ``p_k``, turned into
    class probabilities ``P(k|x)``, an aleatoric uncertainty (ambiguity between
    known classes: flags likely misclassifications) and an epistemic
    uncertainty ``1 - P_in(x)`` (unlike the training data: flags
    out-of-distribution inputs); see :mod:`gan_ova.uncertainty`.

    Parameters
    ----------
    backbone : {"auto", "lenet", "lenet5", "resnet", "mlp"} or torch.nn.Module class, default="auto"
        The classifier network. ``"auto"`` picks ``"lenet"`` for grey images,
        ``"resnet"`` (a small residual CNN with LayerNorm) for colour images
        and ``"mlp"`` for feature vectors. ``"lenet5"`` is the reference's
        LeNet-5 (6/16 conv, 120/84 FC; see the user guide, "Performance"). A module class must accept the
        keywords ``input_shape``, ``n_classes`` and ``dropout``.
    backbone_kwargs : dict or None, default=None
        Extra keyword arguments for the backbone (e.g. ``{"width": 64}``).
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one image when ``X`` is passed flat, ``(n_samples, C*H*W)``
        (e.g. behind scikit-learn transformers in a Pipeline). Without it a
        2-D ``X`` is treated as feature vectors (with a UserWarning when its
        columns look like flattened images); 4-D ``X`` ``(n, C, H, W)`` and
        3-D ``X`` ``(n, H, W)`` (grey) are images. Channels-last ``(n, H, W,
        C)`` arrays are refused: transpose them. A model fitted on images
        also predicts flat rows ``(n, C*H*W)``.
    pixel_scale : "auto" or float, default="auto"
        How image pixels are brought to [0, 1] (the range the cAE's sigmoid
        output and the method need). ``"auto"``: uint8 images are divided by
        255, float images must already lie in [0, 1]. A number: pixels are
        divided by it (e.g. 16 for scikit-learn's digits, 255 for float images
        in [0, 255]). Scaled values outside [0, 1] raise a ValueError. Feature
        vectors are not scaled but standardized internally.
    autoencoder : {"auto", "conv", "residual"}, default="auto"
        The cAE: ``"conv"`` (reference 28x28 grey architecture) or
        ``"residual"`` (colour images); ``"auto"`` chooses by channel count.
        Ignored for feature vectors (the cAE is the identity).
    latent_dim : int or "auto", default="auto"
        cAE code size: 32 for grey images, 128 for colour.
    noise_dim : int, default=128
        Dimension of the generator's uniform noise ``u ~ U(0, 1)``.
    generator_hidden : tuple of int, default=(1024, 512, 256)
        Hidden sizes of the generator MLP (Linear + ReLU + BatchNorm1d each).
    critic_hidden : tuple of int, default=(512, 512, 512)
        Hidden sizes of the critic MLP (LeakyReLU).
    lambda_cl : float, default=2.0
        Weight of the classifier term in the generator loss (reference: 2 for
        MNIST-size data and Tiny ImageNet, 4 for CIFAR).
    lambda_reg : float, default=32.0
        Weight of the angular regularizer (reference: 32; 1 for CIFAR).
    lambda_real : float, default=0.6
        Weight of the real negatives in the OvA loss; generated negatives get
        ``1 - lambda_real``.
    lambda_gp : float, default=10.0
        WGAN-GP gradient-penalty weight.
    n_critic : int, default=5
        Critic steps per real batch.
    n_classifier_steps : int, default=5
        Classifier steps per real batch.
    lr : float, default=1e-3
        Classifier learning rate (Adam).
    generator_lr, critic_lr : float, default=1e-4
        Adam learning rates (betas (0, 0.9)) of the generator and critic
        (reference: 1e-4 for MNIST-size data, 2e-4 for larger images).
    cae_lr : float, default=1e-3
        cAE learning rate (Adam; x0.1 at 25% and 50% of ``cae_max_epochs``).
    final_lr : float, default=1e-5
        The three stage-2 learning rates decay linearly to this value.
    batch_size : int, default=256
        Batch size of both stages. Larger than the number of training
        samples (after the validation split), the fit uses all of them per
        batch and warns; the parameter itself is left unchanged.
    cae_max_epochs : int, default=200
        Stage-1 epochs (reference: 200). The defaults of ``cae_max_epochs``
        and ``max_epochs`` are the paper's budget, long on a CPU: on
        Fashion-MNIST 28x28 one autoencoder epoch took 3.4 s and one stage-2
        epoch 33 s per 6,000 images on one core
        (``benchmarks/epoch_cost.py``), so a default fit on 30,000 images
        takes about two hours. Use a GPU, or pass smaller budgets on a CPU
        (e.g. 10-20 autoencoder epochs; docs: "When to use gan_ova").
    max_epochs : int, default=20
        Stage-2 epochs, i.e. passes over the real training data (MNIST 0-4:
        about 2,000 generator steps, the reference budget; see ``cae_max_epochs``
        for the time this takes on a CPU).
    validation_fraction : float, default=0.2
        Stratified held-out share of the training data; the classifier state
        with the best validation accuracy is kept. 0 keeps the last state.
    standardize_latent : bool, default=True
        Standardize the cached codes per dimension before the GAN and undo it
        before decoding. ``False`` is the reference behaviour; at CPU budgets
        the latent GAN often does not converge without it.
    scale_lambdas : bool, default=True
        With ``standardize_latent=True``, divide ``lambda_cl`` and
        ``lambda_reg`` by the root-mean-square latent standard deviation
        ``s``. The critic is held to gradient norm 1 in the units it sees,
        while the classifier term and the angular regularizer pull on the
        generated codes ``s`` times harder once the codes are divided by
        ``s``; scaling keeps the balance the reference tuned in raw code
        units. The values used are ``shielding_net_.lambda_cl`` and
        ``shielding_net_.lambda_reg``.
    reconstruction_positives : bool, default=False
        Add the autoencoder's reconstructions of each real batch as
        positives of their own head. Without them the classifier learns to
        reject anything that looks decoded (reconstructions of real images
        get ``p_y`` near 0), and the shields teach "decoded" rather than
        "outside the class"; with them reconstructions get ``p_y`` about
        0.97 and the shields' own head hesitates (``p`` 0.05-0.09). Measured
        on Fashion-MNIST 0-4 (6,000 images, 3 seeds): near-OoD AUROC +1.1
        and more stable across seeds, noise AUROC +1.5, but accuracy -1.3;
        on digits the pooled OoD AUROC falls by about 1 (letters). Off by
        default for that reason; see the user guide, "Shields on the
        boundary". No effect on feature vectors (identity autoencoder).
    shield_residuals : bool, default=False
        Build each shield as a latent edit of a real image of its class:
        ``clip(x_i + D(z~_i, y_i) - D(z_i, y_i), 0, 1)``, where ``z~_i`` is the
        generated code paired with real example ``i``. The shield keeps the
        fine detail that the decoder cannot reproduce, so the classifier
        cannot tell shields from real images by "looks decoded" and has to
        learn where the class ends. No effect on feature vectors (identity
        autoencoder).
    far_field : {"auto", "on", "off"}, default="auto"
        Make the epistemic uncertainty rise away from the data in every
        direction (see the user guide, "Far from the data"): feature vectors
        are squashed coordinate-wise into a bounded box after
        standardization, ``c * tanh(x / c)`` with ``c`` the larger of 6 and
        twice the feature's largest absolute training value; every classifier step also sees
        negatives for every head drawn on spheres around the data (from 1.5x
        the data's radius to far beyond, in dense and sparse directions); and
        the ``"mlp"`` backbone gets the mean squared coordinate as an extra
        input (``radial=True``). ``"auto"`` turns this on for
        feature vectors and off for images (which are bounded in [0, 1]; far
        from image data means saturated or noise-like images, which the
        shields already reject). ``"on"`` also uses far negatives for images
        (clipped to [0, 1]); ``"off"`` is the paper's behaviour.
    dropout : "auto" or float in [0, 1), default="auto"
        Dropout rate of the classifier during training (where the backbone
        puts dropout; the built-in LeNets before each fully connected layer).
        Predictions still make one deterministic pass with dropout off,
        unless ``mc_dropout > 0``. ``"auto"``: 0.5 for images, 0 for feature
        vectors. On images, training with dropout 0.5 gave better OoD
        detection and calibration on the data we chose settings on (see the
        user guide, "Dropout during training"); 0 is the paper's single-pass
        model.
    mc_dropout : float in [0, 1), default=0.0
        Dropout rate of the classifier for the MC-dropout variant: > 0 also
        keeps dropout on at test time and averages ``mc_samples`` passes.
        It then sets the training rate too, in place of ``dropout`` (a
        ``dropout`` set to another number is ignored, with a UserWarning).
    mc_samples : int, default=50
        Forward passes at test time when ``mc_dropout > 0``; ignored (with a
        UserWarning at fit, if changed) when ``mc_dropout=0``.
    calibration : {None, "temperature"}, default=None
        Post-hoc calibration of the class probabilities, fitted after
        training on the validation split that fit holds out
        (``validation_fraction`` must be > 0). ``"temperature"``: one
        temperature ``T`` on the class scores ``log(pi_k q_k)``,
        ``P_T(k|x) = P(k|x)^(1/T) / sum_j P(j|x)^(1/T)``, chosen to minimize
        the validation negative log-likelihood (``calibration_temperature_``).
        It changes ``predict_proba`` and the aleatoric uncertainty (the
        entropy of the calibrated ``P(k|x)``); predictions (the arg-max), the
        OvA sigmoids, ``P_in`` and the epistemic uncertainty are unchanged.
        See the user guide, "Calibration". None: no calibration (``T = 1``).
    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Numerical precision of the forward passes of both stages and of
        prediction. ``"32"``: float32 throughout. ``"bf16"``:
        ``torch.autocast`` with bfloat16 (no gradient scaling needed).
        ``"16-mixed"``: autocast with float16 and one
        :class:`torch.amp.GradScaler` per optimizer (the critic's gradient
        penalty is unscaled as PyTorch's AMP examples show); CUDA only, a
        ValueError on the CPU. Weights, optimizer states, losses, the
        gradient penalty's norm and all outputs stay float32/float64. Worth
        it on GPUs (tensor cores); on a CPU ``"bf16"`` helps only with
        AVX-512-BF16 or AMX. See the docs, "Scaling up", "Mixed precision
        and torch.compile".
    compile : bool, default=False
        Compile the classifier, the generator, the frozen decoder path and
        the cAE with ``torch.compile`` (in place: saved weights and pickles
        are those of the plain modules). The critic is not compiled (its
        gradient penalty needs a double backward, which compiled graphs do
        not support). Compiling costs seconds to minutes at the first
        batches (again for a new batch size, train/eval mode or precision);
        it pays off on GPUs and long fits. A model loaded with
        :func:`~gan_ova.persistence.load_model` is compiled again on first
        use; an unpickled one runs eagerly. Not part of the checkpoint
        fingerprint (``precision`` is).
    random_state : int, RandomState instance or None, default=None
        Seeds the data split, weight initialization, batch order, GAN noise
        and the MC-dropout masks. The global torch RNG is left untouched.
    verbose : int, default=0
        0 is silent; 1 or more prints for each stage a plan (epochs x
        batches per epoch), after the first epoch the expected duration,
        skorch's epoch log (ANSI colours only on a terminal) and a progress
        bar over each epoch's training batches.
    checkpoint_dir : str, path or None, default=None
        Folder for training checkpoints. Stage 1 is saved when it finishes,
        stage 2 after every epoch (weights, optimizer states, schedule, RNG
        states). A later ``fit`` with the same data and parameters resumes
        from there and ends with the same model as an uninterrupted fit; a
        checkpoint of a different fit is an error, never overwritten. Files
        are read with ``torch.load(weights_only=True)``. With a torch Dataset
        the fingerprint costs one extra pass over the images (their bytes are
        hashed); random transforms make every pass differ, so such a fit
        never matches its checkpoint.
    num_workers : int, default=0
        Worker processes of the ``torch.utils.data.DataLoader`` s that feed
        both training stages, the encoding of the training set and streamed
        prediction (0: the main process loads the batches). Worth raising
        when the images come from a Dataset that decodes files (e.g.
        ``ImageFolder``); workers re-import the main script, so guard it with
        ``if __name__ == "__main__":``. Does not change the results.
    pin_memory : bool, default=False
        Page-locked host memory for the batches, for faster copies to a CUDA
        device; ignored on the CPU. Does not change the results.
    distributed : {"auto", "on", "off"}, default="auto"
        Data-parallel training over ``torch.distributed`` when the script is
        launched by ``torchrun`` (see the docs, "Several GPUs or machines").
        ``"auto"``: data-parallel when the launch environment
        (``WORLD_SIZE``) or an initialized process group has more than one
        process, else a plain fit; ``"on"``: data-parallel, a ValueError
        without a launch; ``"off"``: never (each process fits alone, on all
        the data). Each process trains both stages on its shard of the
        training data with ``batch_size`` examples per batch (the global
        batch is ``world_size x batch_size``); gradients and BatchNorm
        statistics are averaged over the processes before every optimizer
        step, so every process ends with the same model. With
        ``device="cuda"`` process ``LOCAL_RANK`` uses ``cuda:LOCAL_RANK``;
        only rank 0 prints progress and writes checkpoints.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features (``C*H*W`` for images).
    feature_names_in_ : ndarray of str
        Feature names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple or None
        ``(C, H, W)`` of the images, None for feature vectors.
    class_prior_ : ndarray of shape (n_classes,)
        Training class frequencies ``pi_k``.
    autoencoder_ : skorch.NeuralNet or None
        The fitted (frozen) cAE net; None for feature vectors.
    shielding_net_ : ShieldingNet
        The stage-2 skorch net: ``module_`` (OvA classifier), ``generator_``,
        ``critic_``, ``decoder_`` and their optimizers; ``history`` holds
        per-batch and per-epoch losses.
    latent_mean_, latent_scale_ : ndarray of shape (latent_dim,)
        The latent standardization (zeros/ones when off).
    input_mean_, input_scale_ : ndarray or None
        Standardization of feature vectors (None for images).
    input_squash_ : ndarray of shape (n_features,) or None
        Half-widths ``c_j`` of the squashing ``c_j * tanh(x_j / c_j)``
        applied to standardized feature vectors (None: not squashed; see
        ``far_field``).
    best_epoch_ : int or None
        Stage-2 epoch whose classifier was kept (None without validation).
    calibration_temperature_ : float
        The temperature ``T`` applied to ``P(k|x)`` (1.0 when
        ``calibration=None``); see ``calibration``.
    fit_interrupted_ : bool
        Whether the last fit was stopped with Ctrl-C during stage 2.
    distributed_rank_, distributed_world_size_ : int
        This process's rank and the number of processes of the fit (0 and 1
        for a single-process fit); e.g. save the model only where
        ``distributed_rank_ == 0``. Set by ``fit`` only (not stored by
        :func:`~gan_ova.persistence.save_model`).

    See Also
    --------
    gan_ova.uncertainty : the test-time formulas.

    Notes
    -----
    ``predict`` returns ``argmax_k P(k|x)``, where ``P(k|x)`` weights the
    rescaled OvA outputs by the class priors; with unequal priors it can
    differ from the argmax of :meth:`decision_function`'s OvA logits.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova import GANShieldedOvAClassifier
    >>> X, y = make_blobs(n_samples=200, centers=[[-4, 0], [4, 0]], random_state=0)
    >>> clf = GANShieldedOvAClassifier(
    ...     max_epochs=30, batch_size=32, random_state=0,
    ...     lambda_reg=8.0, generator_lr=1e-3, critic_lr=1e-3,  # settings for 2-D data
    ...     generator_hidden=(128,), critic_hidden=(128,)).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    >>> far = 30.0 * np.c_[np.cos(t), np.sin(t)]            # 16 points far from the data, all around
    >>> typical = np.percentile(clf.predict_uncertainty(X).epistemic, 95)
    >>> bool(np.mean(clf.predict_uncertainty(far).epistemic > typical) >= 0.9)
    True
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        autoencoder="auto",
        latent_dim="auto",
        noise_dim=128,
        generator_hidden=(1024, 512, 256),
        critic_hidden=(512, 512, 512),
        lambda_cl=2.0,
        lambda_reg=32.0,
        lambda_real=0.6,
        lambda_gp=10.0,
        n_critic=5,
        n_classifier_steps=5,
        lr=1e-3,
        generator_lr=1e-4,
        critic_lr=1e-4,
        cae_lr=1e-3,
        final_lr=1e-5,
        batch_size=256,
        cae_max_epochs=200,
        max_epochs=20,
        validation_fraction=0.2,
        standardize_latent=True,
        scale_lambdas=True,
        reconstruction_positives=False,
        shield_residuals=False,
        far_field="auto",
        dropout="auto",
        mc_dropout=0.0,
        mc_samples=50,
        calibration=None,
        device="cpu",
        precision="32",
        compile=False,
        random_state=None,
        verbose=0,
        checkpoint_dir=None,
        num_workers=0,
        pin_memory=False,
        distributed="auto",
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.autoencoder = autoencoder
        self.latent_dim = latent_dim
        self.noise_dim = noise_dim
        self.generator_hidden = generator_hidden
        self.critic_hidden = critic_hidden
        self.lambda_cl = lambda_cl
        self.lambda_reg = lambda_reg
        self.lambda_real = lambda_real
        self.lambda_gp = lambda_gp
        self.n_critic = n_critic
        self.n_classifier_steps = n_classifier_steps
        self.lr = lr
        self.generator_lr = generator_lr
        self.critic_lr = critic_lr
        self.cae_lr = cae_lr
        self.final_lr = final_lr
        self.batch_size = batch_size
        self.cae_max_epochs = cae_max_epochs
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.standardize_latent = standardize_latent
        self.scale_lambdas = scale_lambdas
        self.reconstruction_positives = reconstruction_positives
        self.shield_residuals = shield_residuals
        self.far_field = far_field
        self.dropout = dropout
        self.mc_dropout = mc_dropout
        self.mc_samples = mc_samples
        self.calibration = calibration
        self.device = device
        self.precision = precision
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint_dir = checkpoint_dir
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.distributed = distributed

    # ------------------------------------------------------------------
    # parameter and input validation
    # ------------------------------------------------------------------
    def _validate_params(self):
        device = self._validate_common_params()
        for name in ("lambda_cl", "lambda_reg", "lambda_gp"):
            check_number(name, getattr(self, name), low=0)
        check_number("lambda_real", self.lambda_real, low=0, high=1)
        for name in ("generator_lr", "critic_lr", "cae_lr", "final_lr"):
            check_number(name, getattr(self, name), low=0, low_open=True)
        for name in ("n_critic", "n_classifier_steps", "noise_dim", "mc_samples"):
            check_number(name, getattr(self, name), low=1, integer=True)
        check_number("cae_max_epochs", self.cae_max_epochs, low=0, integer=True)
        check_number("dropout", self.dropout, low=0, high=0.99, allow=("auto",))
        check_number("mc_dropout", self.mc_dropout, low=0, high=0.99)
        check_number("latent_dim", self.latent_dim, low=1, integer=True, allow=("auto",))
        check_hidden("generator_hidden", self.generator_hidden)
        check_hidden("critic_hidden", self.critic_hidden)
        for name in ("standardize_latent", "scale_lambdas", "reconstruction_positives", "shield_residuals"):
            check_bool(name, getattr(self, name))
        check_choice("far_field", self.far_field, ("auto", "on", "off"))
        check_number("num_workers", self.num_workers, low=0, integer=True)
        check_bool("pin_memory", self.pin_memory)
        check_choice("distributed", self.distributed, ("auto", "on", "off"))
        if not (self.calibration is None or (isinstance(self.calibration, str) and self.calibration == "temperature")):
            raise ValueError(f"calibration: expected None or 'temperature', got {self.calibration!r}.")
        if self.calibration is not None and self.validation_fraction == 0:
            raise ValueError(
                f"calibration: {self.calibration!r} is fitted on the validation split, which needs "
                f"validation_fraction > 0, got {self.validation_fraction!r}; set validation_fraction (e.g. 0.2) "
                "or calibration=None."
            )
        if self.autoencoder != "auto" and self.autoencoder not in AUTOENCODERS:
            raise ValueError(
                f"autoencoder: expected 'auto' or one of {sorted(AUTOENCODERS)}, got {self.autoencoder!r}."
            )
        return device

    # ------------------------------------------------------------------
    # fit
    # ------------------------------------------------------------------
    def fit(self, X, y=None):
        """Fit the cAE (stage 1), then the shielding GAN and OvA classifier (stage 2).

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, H, W) or (n_samples, n_features), or torch.utils.data.Dataset
            Images (uint8, or floats in [0, 1]; see ``pixel_scale``), flat
            images with ``image_shape`` set, or feature vectors. Or a
            map-style ``torch.utils.data.Dataset`` of ``(image, label)``
            items, ``image`` a ``(C, H, W)`` tensor (uint8, or floats in
            [0, 1]) and ``label`` an int (e.g. torchvision's ``ImageFolder``
            or ``FashionMNIST`` with ``transforms.ToTensor()``): it is read
            in batches, never loaded whole (see the docs, "Data larger than
            memory").
        y : array-like of shape (n_samples,) or None, default=None
            Class labels (ints, strings, ...); at least two classes and two
            examples per class. Required with arrays; must be None with a
            Dataset (its items carry the labels).

        Returns
        -------
        self : GANShieldedOvAClassifier
            The fitted estimator. If fit raises (bad input, a diverging loss),
            the estimator is left as it was before the call. A Ctrl-C during
            stage 2 ends training early and keeps the best classifier so far
            (``fit_interrupted_`` is set and a warning says so); during stage 1
            it aborts the fit and re-raises. A data-parallel fit (``torchrun``;
            see ``distributed``) re-raises on every rank in either stage.
        """
        return super().fit(X, y)

    #: The training dropout rate of ``dropout="auto"`` for images (feature vectors: 0).
    AUTO_IMAGE_DROPOUT = 0.5

    def _training_dropout(self, image):
        """The classifier's dropout rate during training: ``mc_dropout`` if set, else ``dropout`` resolved."""
        if self.mc_dropout > 0:
            return float(self.mc_dropout)
        if isinstance(self.dropout, str):  # "auto"
            return self.AUTO_IMAGE_DROPOUT if image else 0.0
        return float(self.dropout)

    def __setstate__(self, state):
        # estimators pickled before ``dropout`` existed were trained without it (unless mc_dropout)
        state.setdefault("dropout", 0.0)
        super().__setstate__(state)

    def _warn_ignored_params(self):
        """UserWarnings for parameters that this combination of parameters ignores."""
        default = inspect.signature(GANShieldedOvAClassifier.__init__).parameters["mc_samples"].default
        if self.mc_dropout > 0 and not isinstance(self.dropout, str) and self.dropout != self.mc_dropout:
            warn_user(
                f"dropout: {self.dropout!r} is ignored because mc_dropout={self.mc_dropout!r} sets the training "
                "dropout rate too; leave dropout at 'auto' or set it equal to mc_dropout."
            )
        if self.mc_dropout == 0 and self.mc_samples != default:
            warn_user(
                f"mc_samples: {self.mc_samples!r} is ignored because mc_dropout={self.mc_dropout!r} (no MC "
                "dropout, one deterministic pass); set mc_dropout > 0 (e.g. 0.5) for the MC-dropout variant, "
                f"or leave mc_samples at its default ({default})."
            )

    _seed_order = ("split", "torch", "predict")  # the order of gan_ova 0.1: same seeds, same fits
    _accepts_datasets = True

    def _fit_nets(self, ctx):
        with data_parallel(self.distributed, ctx.device, seed=ctx.seeds["torch"][0]) as dp:
            self.distributed_world_size_ = dp.world_size if dp is not None else 1
            self.distributed_rank_ = dp.rank if dp is not None else 0
            if dp is None:
                return self._fit_stages(ctx)
            ctx.device = dp.device
            ctx.bs = self._shard_batch_size(ctx, dp)
            forked = torch.random.fork_rng(devices=fork_devices(dp.device)) if dp.device.type == "cuda" else None
            with forked or contextlib.nullcontext():
                self._fit_stages(ctx, dp)
            dp.barrier()

    def _shard_batch_size(self, ctx, dp):
        """The per-process batch size of a data-parallel fit, shrunk (with a warning) to each rank's shard."""
        shard = dp.shard_size(len(ctx.tr))
        if shard < 1:
            raise ValueError(
                f"distributed: expected at least one training sample per process, got {len(ctx.tr)} samples for "
                f"{dp.world_size} processes."
            )
        if ctx.bs <= shard:
            return ctx.bs
        warn_user(
            f"batch_size: {ctx.bs} per process is larger than each of the {dp.world_size} processes' share of the "
            f"training data, {shard} samples; this fit uses batches of {shard} per process instead."
        )
        return shard

    def _fit_stages(self, ctx, dp=None):
        if self.calibration is not None and ctx.va is None:
            raise ValueError(
                f"calibration: {self.calibration!r} needs a validation split, but validation_fraction="
                f"{self.validation_fraction!r} of {len(ctx.Xf)} samples leaves none; raise validation_fraction or "
                "pass more samples, or set calibration=None."
            )
        streamed = isinstance(ctx.Xf, _streaming.ImageSource)
        if streamed and self.far_field == "on":
            raise ValueError(
                "far_field: 'on' needs the training images in memory (their mean and spread place the far "
                "negatives), but X is a torch Dataset; pass far_field='auto' (off for images) or the images as an "
                "array."
            )
        ckpt = self._checkpoint_paths(ctx.Xf, ctx.y_idx, dp)
        Xc, sampler = self._far_field(ctx)
        ctx.Xc = Xc
        cache = None
        try:
            # ---- stage 1: the latent space ----------------------------------
            if ctx.image_shape is None:
                codes = Xc  # identity autoencoder: the GAN works in (standardized) input space
                self.autoencoder_ = None
                cae_module = None
            else:
                self.autoencoder_ = self._fit_autoencoder(ctx, ckpt, dp)
                if getattr(self.autoencoder_, "interrupted_", False):
                    raise KeyboardInterrupt("fit interrupted during stage 1 (autoencoder); nothing was changed.")
                if streamed:
                    # one pass over the images; a random transform would perturb the fit's torch RNG
                    with torch.random.fork_rng(devices=fork_devices(ctx.device)):
                        cache = _streaming.CodeCache.encode(self.autoencoder_, Xc, ctx.y_idx, ctx.K)
                    codes = cache.array
                else:
                    codes = self.autoencoder_.encode(Xc, np.eye(ctx.K, dtype=np.float32)[ctx.y_idx])
                cae_module = self.autoencoder_.module_
            if self.standardize_latent:
                mean, scale = standardization(codes[ctx.tr], eps=1e-8)
            else:
                mean, scale = np.zeros(codes.shape[1], np.float32), np.ones(codes.shape[1], np.float32)
            if dp is not None:  # rank 0's statistics everywhere (inference may differ in the last bit between devices)
                mean, scale = dp.broadcast_array(mean), dp.broadcast_array(scale)
            self.latent_mean_, self.latent_scale_ = mean, scale
            if cache is not None:
                z = cache.standardize(mean, scale)  # in place: no second n x latent_dim array
            else:
                z = ((codes - mean) / scale).astype(np.float32)
            lam_div = float(np.sqrt(np.mean(scale**2))) if (self.standardize_latent and self.scale_lambdas) else 1.0
            decoder = ShieldDecoder(cae_module, mean, scale).to(ctx.device)
            # ---- stage 2 ------------------------------------------------------
            self.shielding_net_ = self._fit_shielding(ctx, z, decoder, ckpt, sampler, lam_div, dp)
        finally:
            if streamed:
                # the validation datasets hold the user's dataset and the codes: not part of the fitted model
                for net in (getattr(self, "autoencoder_", None), getattr(self, "shielding_net_", None)):
                    if net is not None:
                        net.train_split = None
            if cache is not None:
                z = codes = None
                cache.close()

    def _far_field(self, ctx):
        """Classifier inputs (squashed for vectors with the far field on) and the far-field sampler or None."""
        Xc, tr = ctx.Xc, ctx.tr
        self.input_squash_ = None
        if not (self.far_field == "on" or (self.far_field == "auto" and ctx.image_shape is None)):
            return Xc, None
        if ctx.image_shape is not None:
            return Xc, FarFieldSampler.from_data(Xc[tr], "clip")
        self.input_squash_ = squash_scales(Xc[tr])
        sampler = FarFieldSampler.from_data(Xc[tr], "squash", squash_scale=self.input_squash_)
        return squash(Xc, self.input_squash_), sampler

    def _after_fit(self, ctx):
        cb = dict(self.shielding_net_.callbacks_)["best_classifier"]
        self.best_epoch_ = cb.best_epoch_
        self.fit_interrupted_ = bool(getattr(self.shielding_net_, "interrupted_", False))
        self.calibration_temperature_ = 1.0
        if self.calibration == "temperature":
            va = ctx.va
            X_va = ctx.Xc.take(va) if isinstance(ctx.Xc, _streaming.ImageSource) else ctx.Xc[va]
            raw = self._uncertainty_parts(self._ova_proba(X_va))
            y_va = ctx.y_idx[va]
            if has_no_errors(raw, y_va):
                warn_user(
                    f"calibration: all {len(va)} validation examples are classified correctly, so the validation "
                    "likelihood gives no temperature (it grows without bound as T -> 0); kept T = 1 (no "
                    "calibration). A larger validation_fraction gives the calibration errors to learn from."
                )
            self.calibration_temperature_ = fit_temperature(raw, y_va)
        if self.fit_interrupted_:
            epochs = len(self.shielding_net_.history)
            warn_user(
                f"fit was interrupted during stage 2 after {epochs} of {self.max_epochs} epochs; the model "
                "holds the best classifier state reached so far and can be used for prediction.",
                RuntimeWarning,
            )

    def _callbacks(self, stage_name=None, n_train=None, batch_size=None, dp=None):
        """Progress callbacks for ``verbose >= 1`` (both stages drop the last incomplete batch); rank 0 only."""
        verbose = self.verbose if dp is None or dp.is_main else 0
        if dp is not None and n_train is not None:
            n_train = dp.shard_size(n_train)
        return verbose_callbacks(verbose, stage_name or "training", n_train, batch_size, drop_last=True)

    def _make_autoencoder_net(
        self, module, module_kwargs, batch_size, train_split, device, stage_name=None, n_train=None, dp=None
    ):
        """The stage-1 skorch net (initialized, untrained); also used by :mod:`gan_ova.persistence`."""
        E = max(self.cae_max_epochs, 1)
        callbacks = [
            (
                "lr_step",
                LRScheduler(
                    policy=torch.optim.lr_scheduler.MultiStepLR,
                    milestones=sorted({max(E // 4, 1), max(E // 2, 1)}),
                    gamma=0.1,
                ),
            )
        ] + self._callbacks(stage_name, n_train, batch_size, dp)
        params = self._net_params(
            lr=self.cae_lr, max_epochs=self.cae_max_epochs, batch_size=batch_size, train_split=train_split,
            callbacks=callbacks, device=device, drop_last=True, prefixed={"module": module_kwargs},
        )
        if dp is not None and not dp.is_main:
            params["verbose"] = 0  # progress output from rank 0 only
        net = AutoencoderNet(
            module=module,
            criterion=nn.BCEWithLogitsLoss,
            callbacks__print_log=PlainPrintLog(),
            predict_nonlinearity=None,
            **params,
        )
        net.initialize()
        net.interrupted_ = False
        return net

    def _make_shielding_net(
        self, module, module_kwargs, generator_kwargs, critic_kwargs, decoder, class_counts, batch_size,
        train_split, device, stage_name=None, n_train=None, far_sampler=None, lambda_divisor=1.0, dp=None,
    ):
        """The stage-2 skorch net (initialized, untrained); also used by :mod:`gan_ova.persistence`."""
        params = self._net_params(
            lr=self.lr, max_epochs=self.max_epochs, batch_size=batch_size, train_split=train_split,
            callbacks=self._callbacks(stage_name, n_train, batch_size, dp), device=device, drop_last=True,
            prefixed={"module": module_kwargs, "generator": generator_kwargs, "critic": critic_kwargs},
        )
        if dp is not None and not dp.is_main:
            params["verbose"] = 0  # progress output from rank 0 only
        net = ShieldingNet(
            module=module,
            generator=Generator,
            critic=Critic,
            decoder=decoder,
            n_classes=len(class_counts),
            class_counts=np.asarray(class_counts),
            lambda_cl=self.lambda_cl / lambda_divisor,
            lambda_reg=self.lambda_reg / lambda_divisor,
            lambda_real=self.lambda_real,
            lambda_gp=self.lambda_gp,
            n_critic=self.n_critic,
            n_classifier_steps=self.n_classifier_steps,
            noise_dim=generator_kwargs["noise_dim"],
            generator_lr=self.generator_lr,
            critic_lr=self.critic_lr,
            far_sampler=far_sampler,
            reconstruction_positives=bool(self.reconstruction_positives),
            shield_residuals=bool(self.shield_residuals),
            **params,
            callbacks__print_log=PlainPrintLog(keys_ignored=list(ShieldDiagnostics.per_class_keys)),
            callbacks__lr_decay__final_lr=self.final_lr,
        )
        net.initialize()
        return net

    def _fit_autoencoder(self, ctx, ckpt=None, dp=None):
        Xc, y_idx, tr, va, image_shape, K = ctx.Xc, ctx.y_idx, ctx.tr, ctx.va, ctx.image_shape, ctx.K
        name = self.autoencoder
        if name == "auto":
            name = "conv" if image_shape[0] == 1 else "residual"
        latent = self.latent_dim if self.latent_dim != "auto" else (32 if image_shape[0] == 1 else 128)
        streamed = isinstance(Xc, _streaming.ImageSource)
        onehot = None if streamed else np.eye(K, dtype=np.float32)[y_idx]
        valid = None
        if va is not None:
            if streamed:
                valid = predefined_split(_streaming.Stage1Items(Xc.take(va), y_idx[va], K))
            else:
                valid = predefined_split(Dataset({"x": Xc[va], "y_onehot": onehot[va]}, Xc[va]))
        net = self._make_autoencoder_net(
            AUTOENCODERS[name],
            {"image_shape": image_shape, "n_classes": K, "latent_dim": int(latent)},
            ctx.bs,
            valid,
            ctx.device,
            "stage 1/2: conditional autoencoder",
            n_train=len(tr),
            dp=dp,
        )
        stage1 = ckpt["stage1"] if ckpt else None
        resume = bool(stage1) and os.path.exists(stage1)
        if dp is not None:
            dp.broadcast(net.module_)  # every rank starts from rank 0's weights
            if stage1:
                dp.agree(resume, f"whether the checkpoint {stage1} exists")
        if resume:
            state = self._read_checkpoint(stage1, ckpt["fingerprint"])
            net.module_.load_state_dict(state["module"])
            net.history_ = History(state["history"])
            torch.set_rng_state(state["rng"])
            if self.verbose and (dp is None or dp.is_main):
                print(f"[gan_ova] stage 1 restored from {stage1}")
            return net
        if self.cae_max_epochs > 0:
            with _data_parallel_net(net, dp):
                if streamed:
                    net.partial_fit(_streaming.Stage1Items(Xc.take(tr), y_idx[tr], K), None)
                else:
                    net.partial_fit({"x": Xc[tr], "y_onehot": onehot[tr]}, Xc[tr])
        if stage1 and not getattr(net, "interrupted_", False) and (dp is None or dp.is_main):
            atomic_torch_save(
                {
                    "module": net.module_.state_dict(),
                    "history": json.loads(json.dumps(list(net.history), default=float)),
                    "rng": torch.get_rng_state(),
                    "extra": {"fingerprint": ckpt["fingerprint"]},
                },
                stage1,
            )
        return net

    def _fit_shielding(self, ctx, z, decoder, ckpt=None, far_sampler=None, lambda_divisor=1.0, dp=None):
        Xc, y_idx, tr, va, K = ctx.Xc, ctx.y_idx, ctx.tr, ctx.va, ctx.K
        module_cls = ctx.module_cls
        dropout = self._training_dropout(ctx.image_shape is not None)
        module_kwargs = {"input_shape": ctx.input_shape, "n_classes": K, "dropout": dropout}
        if module_cls is MLP and self.input_squash_ is not None:
            module_kwargs["radial"] = True  # the distance feature of the far field (see _farfield)
        module_kwargs.update(self.backbone_kwargs or {})
        streamed = isinstance(Xc, _streaming.ImageSource)
        valid = None
        if va is not None:
            if streamed:
                valid = predefined_split(_streaming.Stage2Items(Xc.take(va), z, va, y_idx[va]))
            else:
                valid = predefined_split(Dataset({"x": Xc[va], "z": z[va]}, y_idx[va]))
        latent = z.shape[1]
        net = self._make_shielding_net(
            module_cls,
            module_kwargs,
            {"n_classes": K, "latent_dim": latent, "noise_dim": self.noise_dim, "hidden": tuple(self.generator_hidden)},
            {"n_classes": K, "latent_dim": latent, "hidden": tuple(self.critic_hidden)},
            decoder,
            ctx.counts,
            ctx.bs,
            valid,
            ctx.device,
            "stage 2/2: shielding GAN + one-vs-all classifier",
            n_train=len(tr),
            far_sampler=far_sampler,
            lambda_divisor=lambda_divisor,
            dp=dp,
        )
        if dp is not None:
            dp.broadcast(net.module_, net.generator_, net.critic_)  # every rank starts from rank 0's weights
        epochs, done = self.max_epochs, 0
        if ckpt:
            stage2 = ckpt["stage2"]
            extra = {"fingerprint": ckpt["fingerprint"]}
            if dp is None or dp.is_main:  # rank 0 writes the checkpoints
                net.callbacks_.append(("checkpoint", EpochCheckpoint(stage2, extra).initialize()))
            resume = os.path.exists(stage2)
            if dp is not None:
                dp.agree(resume, f"whether the checkpoint {stage2} exists")
            if resume:
                done = restore_training_state(net, self._read_checkpoint(stage2, ckpt["fingerprint"]))
                epochs = max(self.max_epochs - done, 0)
                if self.verbose and (dp is None or dp.is_main):
                    print(f"[gan_ova] stage 2 resumed from {stage2} after epoch {done}")
        if dp is not None:
            # own noise streams per rank (GAN noise, gradient-penalty mixing, far negatives, dropout)
            dp.seed_noise(ctx.seeds["torch"][0], stage=2, epoch=done)
        with _data_parallel_net(net, dp):
            if streamed:
                net.partial_fit(_streaming.Stage2Items(Xc.take(tr), z, tr, y_idx[tr]), None, epochs=epochs)
            else:
                net.partial_fit({"x": Xc[tr], "z": z[tr]}, y_idx[tr], epochs=epochs)
        if dp is not None and getattr(net, "interrupted_", False):
            # the single-process recovery (keep the best state so far) cannot be agreed on by every rank
            raise KeyboardInterrupt("fit interrupted during stage 2 of a data-parallel fit; nothing was changed.")
        return net

    def _checkpoint_paths(self, Xf, y_idx, dp=None):
        """Checkpoint file names and the fingerprint of this fit (data + parameters, world size), or None."""
        if self.checkpoint_dir is None:
            return None
        try:
            os.makedirs(self.checkpoint_dir, exist_ok=True)
        except (OSError, TypeError) as exc:
            raise ValueError(
                f"checkpoint_dir: cannot use {self.checkpoint_dir!r} as a folder for checkpoints ({exc})."
            ) from exc
        h = hashlib.sha256()
        if isinstance(Xf, _streaming.ImageSource):
            with torch.random.fork_rng(devices=fork_devices(self.device)):
                Xf.hash_into(h)  # the same bytes as the equivalent array's
        else:
            h.update(np.ascontiguousarray(Xf).tobytes())
        h.update(np.ascontiguousarray(y_idx).tobytes())
        # calibration is fitted after training; num_workers and pin_memory do not change results;
        # compile, like device, changes how the same computation runs (its results may differ in the
        # last bits), so a checkpoint resumes with it toggled; distributed only says how to train (the
        # world size below says what)
        skip = ("verbose", "checkpoint_dir", "device", "calibration", "num_workers", "pin_memory", "compile",
                "distributed")
        params = {k: v for k, v in self.get_params().items() if k not in skip}
        h.update(repr(sorted((k, repr(v)) for k, v in params.items())).encode())
        if dp is not None:  # batch_size is per process: another world size is another fit
            h.update(f"world_size={dp.world_size}".encode())
        return {
            "fingerprint": h.hexdigest(),
            "stage1": os.path.join(self.checkpoint_dir, "stage1.pt"),
            "stage2": os.path.join(self.checkpoint_dir, "stage2.pt"),
        }

    @staticmethod
    def _read_checkpoint(path, fingerprint):
        state = load_training_state(path)
        if state.get("extra", {}).get("fingerprint") != fingerprint:
            raise ValueError(
                f"checkpoint_dir: {path} belongs to a different fit (other data or parameters); it is left "
                "untouched. Pass another checkpoint_dir or delete that folder to start afresh."
            )
        return state

    # ------------------------------------------------------------------
    # safe persistence (gan_ova.persistence encodes this state generically)
    # ------------------------------------------------------------------
    #: Fitted non-network attributes, each with the kind of value it holds:
    #: the one list that :func:`~gan_ova.persistence.save_model` writes and
    #: :func:`~gan_ova.persistence.load_model` reads and checks ("?": may be None).
    _SAFE_FITTED = (
        ("classes_", "classes"),
        ("n_features_in_", "int"),
        ("feature_names_in_", "names?"),
        ("image_shape_", "shape?"),
        ("input_is_uint8_", "bool"),
        ("input_ndim_", "int"),
        ("class_prior_", "array"),
        ("latent_mean_", "array"),
        ("latent_scale_", "array"),
        ("input_mean_", "array?"),
        ("input_scale_", "array?"),
        ("input_squash_", "array?"),
        ("random_seed_", "int"),
        ("best_epoch_", "int?"),
        ("fit_interrupted_", "bool"),
        ("calibration_temperature_", "temperature"),
    )

    def _get_safe_state(self):
        """``(fitted, nets)``: the :attr:`_SAFE_FITTED` values and the fitted skorch nets by role."""
        check_is_fitted(self)
        fitted = {name: getattr(self, name, None) for name, _ in self._SAFE_FITTED}
        return fitted, {"autoencoder": self.autoencoder_, "shielding": self.shielding_net_}

    def _set_safe_state(self, fitted, arch, shielding, autoencoder_batch_size, device):
        """Rebuild the nets untrained from their architecture and set the fitted attributes.

        Parameters
        ----------
        fitted : dict
            The :attr:`_SAFE_FITTED` values, checked by the caller.
        arch : dict
            ``{"classifier." | "generator." | "critic." | "autoencoder.": (module class, kwargs)}``.
        shielding : dict
            ``batch_size``, ``noise_dim`` and ``class_counts`` of the stage-2 net.
        autoencoder_batch_size : int or None
        device : str

        Returns
        -------
        modules : dict
            ``{prefix: torch.nn.Module}`` for the caller to load the weights into.
        """
        try:
            self._validate_params()
        except ValueError as exc:
            raise InvalidParametersError(f"invalid parameters: {exc}") from None
        with torch.random.fork_rng(devices=fork_devices(device)):  # leave the global RNG as it was
            ae = None
            if "autoencoder." in arch:
                module, kwargs = arch["autoencoder."]
                # built as in fit, without the validation split (training data is not saved), untrained
                ae = self._make_autoencoder_net(module, kwargs, autoencoder_batch_size, None, device)
            decoder = ShieldDecoder(ae.module_ if ae is not None else None, fitted["latent_mean_"],
                                    fitted["latent_scale_"]).to(device)
            module, module_kw = arch["classifier."]
            gen_kw = dict(arch["generator."][1])
            gen_kw.setdefault("noise_dim", shielding["noise_dim"])
            net = self._make_shielding_net(module, module_kw, gen_kw, arch["critic."][1], decoder,
                                           shielding["class_counts"], shielding["batch_size"], None, device)
        net.interrupted_ = fitted["fit_interrupted_"]
        for name, value in fitted.items():
            if value is not None or name != "feature_names_in_":
                setattr(self, name, value)
        self.autoencoder_ = ae
        self.shielding_net_ = net
        modules = {"classifier.": net.module_, "generator.": net.generator_, "critic.": net.critic_}
        if ae is not None:
            modules["autoencoder."] = ae.module_
        return modules

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _ova_proba(self, Xc):
        """OvA sigmoids of classifier-space inputs: (n, K), or (mc_samples, n, K) with MC dropout."""
        net = self.shielding_net_
        if self.mc_dropout > 0:
            with self._lock(), torch.random.fork_rng(devices=fork_devices(net.device)):
                torch.manual_seed(self.random_seed_)
                logits = net.ova_logits(Xc, mc_passes=self.mc_samples)
        else:
            logits = net.ova_logits(Xc)
        return expit(logits)

    def _uncertainty_parts(self, p):
        """Uncalibrated ``P(k|x)`` per pass: (n, K), or (mc_samples, n, K) with MC dropout."""
        if p.ndim == 2:
            return class_probabilities(p, self.class_prior_)
        return np.stack([class_probabilities(pt, self.class_prior_) for pt in p])

    def _uncertainty_dict_from_p(self, p):
        # getattr: models saved before calibration existed have no temperature (T = 1).
        return ova_uncertainty(p, self.class_prior_, temperature=getattr(self, "calibration_temperature_", 1.0))

    def _uncertainty_dict(self, Xc):
        return self._uncertainty_dict_from_p(self._ova_proba(Xc))

    def predict_proba(self, X):
        """Class probabilities ``P(k|x) = pi_k q_k / sum_j pi_j q_j``.

        ``q_k = p_k / (p_k + (K - 1)(1 - p_k))`` rescales the OvA sigmoid
        ``p_k``; ``pi_k`` are the training class frequencies. With MC dropout
        the probabilities of ``mc_samples`` passes are averaged. With
        ``calibration="temperature"`` each pass's ``P(k|x)`` is
        temperature-scaled first (``calibration_temperature_``).

        Parameters
        ----------
        X : array-like or torch.utils.data.Dataset
            Same format as in :meth:`fit`; a Dataset is read in batches of
            ``max(batch_size, 256)`` images (its labels are not used).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        return super().predict_proba(X)

    def predict_uncertainty(self, X):
        """Aleatoric and epistemic uncertainty of each example (higher = more uncertain).

        * ``aleatoric = H(P(.|x)) / log K``: normalized entropy of the class
          probabilities -- ambiguity between known classes; the score for
          detecting misclassifications (false positives).
        * ``epistemic = 1 - P_in(x)`` with ``P_in(x) = sum_k P(k|x) q_k`` --
          how unlike the training data ``x`` is; the out-of-distribution score.

        With MC dropout, ``P(k|x)`` and ``P_in`` are averaged over
        ``mc_samples`` passes first.

        Parameters
        ----------
        X : array-like or torch.utils.data.Dataset
            Same format as in :meth:`fit`; a Dataset is read in batches of
            ``max(batch_size, 256)`` images (its labels are not used).

        Returns
        -------
        result : sklearn.utils.Bunch
            ``aleatoric`` and ``epistemic``: arrays of shape (n_samples,) in
            [0, 1]; ``p_in``: ``1 - epistemic``; ``proba``: the class
            probabilities, as :meth:`predict_proba`; ``ova_proba``: the OvA
            sigmoids ``p_k``, shape (n_samples, n_classes) (MC mean).
        """
        return super().predict_uncertainty(X)

    def score_samples(self, X):
        """Probability of being in-distribution, ``P_in(x)`` (higher = more typical).

        The sign follows scikit-learn's outlier detectors: low scores are
        outliers. Equal to ``1 - predict_uncertainty(X).epistemic``.

        Parameters
        ----------
        X : array-like or torch.utils.data.Dataset
            Same format as in :meth:`fit`; a Dataset is read in batches of
            ``max(batch_size, 256)`` images (its labels are not used).

        Returns
        -------
        p_in : ndarray of shape (n_samples,)
        """
        return super().score_samples(X)

    def decision_function(self, X):
        """One-vs-all logits (the MC-average OvA probability's logit with MC dropout).

        For two classes, a 1-D array ``log P(1|x) - log P(0|x)``, which ranks
        examples exactly as ``predict_proba(X)[:, 1]``.

        Parameters
        ----------
        X : array-like or torch.utils.data.Dataset
            Same format as in :meth:`fit`; a Dataset is read in batches of
            ``max(batch_size, 256)`` images (its labels are not used).

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
        """
        check_is_fitted(self)
        p = self._ova_proba(self._predict_inputs(X))
        if len(self.classes_) == 2:
            proba = self._uncertainty_dict_from_p(p)["proba"]
            return np.log(np.maximum(proba[:, 1], 1e-300)) - np.log(np.maximum(proba[:, 0], 1e-300))
        if p.ndim == 3:
            p = p.mean(axis=0)
        p = np.clip(p, 1e-15, 1 - 1e-15)
        return np.log(p) - np.log1p(-p)

    def shield_diagnostics(self, X, y=None, n_per_class=256, random_state=0):
        """Where the shields sit relative to the classes of ``(X, y)``, per class.

        Pass the training data (or other labelled in-distribution data).
        Everything is measured in the space the GAN works in (the
        standardized autoencoder codes): see :mod:`gan_ova.diagnostics`. On
        the boundary, a class's shields have a distance ratio of about 1-3
        and an own-head probability well above 0.01 and below 0.5, while
        reconstructions of real examples keep a high own-head probability.

        Parameters
        ----------
        X : array-like or torch.utils.data.Dataset
            Same format as in :meth:`fit`.
        y : array-like of shape (n_samples,) or None, default=None
            Labels from ``classes_``; None when ``X`` is a Dataset (its items
            carry the labels).
        n_per_class : int, default=256
            Fresh shields drawn per class.
        random_state : int, RandomState instance or None, default=0
            Seeds the shields' noise (the global torch RNG is untouched).

        Returns
        -------
        result : sklearn.utils.Bunch
            Arrays of shape (n_classes,), in the order of ``classes_``:
            ``distance_ratio`` (median distance of a shield to its nearest
            real code of its class over the median nearest-neighbour spacing
            of that class's codes), ``radius_ratio`` (median distance to the
            class's mean code, shields over real codes), ``own_head_p`` (mean
            ``p_y`` of the shields), ``real_head_p`` (of the real examples)
            and ``reconstruction_head_p`` (of their autoencoder
            reconstructions); for plots, ``real_codes`` / ``real_labels``,
            ``shield_codes`` / ``shield_labels`` (class indices), and per
            class the arrays ``shield_distances`` and ``real_spacings``.

        Examples
        --------
        >>> from sklearn.datasets import make_blobs
        >>> from gan_ova import GANShieldedOvAClassifier
        >>> X, y = make_blobs(n_samples=120, centers=[[-4, 0], [4, 0]], random_state=0)
        >>> clf = GANShieldedOvAClassifier(max_epochs=3, batch_size=32, random_state=0,
        ...                                generator_hidden=(32,), critic_hidden=(32,)).fit(X, y)
        >>> d = clf.shield_diagnostics(X, y, n_per_class=64)
        >>> d.distance_ratio.shape, d.own_head_p.shape
        ((2,), (2,))
        """
        from sklearn.utils import Bunch

        check_is_fitted(self)
        check_number("n_per_class", n_per_class, low=1, integer=True)
        Xc = self._predict_inputs(X)
        streamed = isinstance(Xc, _streaming.ImageSource)
        if streamed:
            if y is not None:
                raise ValueError(
                    f"y: expected None when X is a torch Dataset (the labels are read from its items), got "
                    f"{type(y).__name__}."
                )
            y = _streaming.read_labels(X, len(Xc), self._loader_kwargs())
        elif y is None:
            raise ValueError("y: expected array-like labels of shape (n_samples,) with array X, got None.")
        y_arr = np.asarray(y)
        if y_arr.ndim != 1 or len(y_arr) != len(Xc):
            raise ValueError(f"y: expected a 1-D array of {len(Xc)} labels, got shape {y_arr.shape}.")
        known = np.isin(y_arr, self.classes_)
        if not known.all():
            raise ValueError(
                f"y: expected labels from classes_ {self.classes_.tolist()}, got {np.unique(y_arr[~known]).tolist()}."
            )
        y_idx = np.searchsorted(self.classes_, y_arr).astype(np.int64)
        K = len(self.classes_)
        if streamed:
            cache = _streaming.CodeCache.encode(self.autoencoder_, Xc, y_idx, K)
            codes = np.array(cache.array)
            cache.close()
        elif self.autoencoder_ is not None:
            codes = self.autoencoder_.encode(Xc, np.eye(K, dtype=np.float32)[y_idx])
        else:
            codes = Xc
        z = ((codes - self.latent_mean_) / self.latent_scale_).astype(np.float32)
        seed = draw_seed(random_state)
        with self._lock():
            stats = self.shielding_net_.shield_statistics(Xc, z, y_idx, n_per_class=n_per_class, seed=seed)
        return Bunch(real_codes=z, real_labels=y_idx, **stats)

    def sample_out_of_class(self, n_per_class, random_state=None):
        """Generate shielding examples: the out-of-class samples of each class.

        Draws ``n_per_class`` codes per class from the fitted generator (in
        evaluation mode) and decodes them with the frozen cAE decoder. Each
        sample lies just outside the class it shields: its class's critic
        accepts it, its class's OvA head rejects it.

        Parameters
        ----------
        n_per_class : int
        random_state : int, RandomState instance or None, default=None
            Seeds the generator noise (the global torch RNG is untouched).

        Returns
        -------
        X_gen : ndarray
            In the format of the training input: ``(n, C, H, W)`` (or
            ``(n, H, W)``) images, or flat rows; uint8 if the model was fitted
            on uint8 images, else in the units of the training data.
        y_gen : ndarray of shape (n,)
            The class (from ``classes_``) that each sample shields.
        """
        check_is_fitted(self)
        check_number("n_per_class", n_per_class, low=1, integer=True)
        K = len(self.classes_)
        seed = draw_seed(random_state)
        net = self.shielding_net_
        dev = torch.device(net.device)
        y_idx = np.repeat(np.arange(K), n_per_class)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        noise = torch.rand(len(y_idx), self.noise_dim, generator=gen).to(dev)
        with eval_mode(net.generator_) as G:
            yt = torch.as_tensor(y_idx, device=dev)
            onehot = F.one_hot(yt, K).float()
            x = net.decoder_(G(noise, onehot), onehot).cpu().numpy().astype(np.float32)
        if self.image_shape_ is None:
            if getattr(self, "input_squash_", None) is not None:
                x = unsquash(x, self.input_squash_).astype(np.float32)
            x = x * self.input_scale_ + self.input_mean_
        else:
            scale = 255.0 if (self.pixel_scale == "auto" and self.input_is_uint8_) else (
                1.0 if self.pixel_scale == "auto" else float(self.pixel_scale)
            )
            x = x * scale
            if self.input_is_uint8_ and self.pixel_scale == "auto":
                x = np.clip(np.rint(x), 0, 255).astype(np.uint8)
            if self.input_ndim_ == 2:
                x = x.reshape(len(x), -1)
            elif self.input_ndim_ == 3:
                x = x[:, 0]
        return x, self.classes_[y_idx]
