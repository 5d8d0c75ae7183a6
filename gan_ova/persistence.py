"""Safe saving and loading of fitted gan_ova models (JSON + safetensors).

A fitted :class:`~gan_ova.GANShieldedOvAClassifier` can be pickled like any
scikit-learn estimator, but a pickle (or joblib) file is a program: loading it
runs whatever code the file asks for. :func:`save_model` and
:func:`load_model` use a format that holds data only, so that models can be
exchanged with people you do not fully trust:

* ``config.json`` -- the format name and version, the gan_ova version, the
  estimator class name, its ``get_params()``, the architecture of each
  network (built-in classes named from allow-lists, plus their keyword
  arguments) and every fitted non-tensor attribute (``classes_`` with its
  dtype, ``image_shape_``, ``class_prior_``, the latent and input
  standardizations, ``random_seed_``, ``best_epoch_``, ...), and the training
  histories;
* ``weights.safetensors`` -- the state dicts of the OvA classifier, the
  generator, the critic and the conditional autoencoder, with the keys
  prefixed by ``"classifier."``, ``"generator."``, ``"critic."`` and
  ``"autoencoder."``.

:func:`load_model` reads these two files with :func:`json.load` and
:func:`safetensors.torch.load_file` only -- nothing is unpickled and no class
is looked up by a name taken from the file except through fixed allow-lists
-- rebuilds the skorch nets without training and loads the weights. The
loaded model gives exactly the outputs of the saved one (on the same device).

Warning
-------
pickle and joblib files execute code when they are loaded. Only unpickle
files you trust (e.g. ones you wrote yourself); for models received from
others, or published for others, use :func:`save_model` and
:func:`load_model`.

What is not saved: the optimizer states (a loaded model predicts and samples;
``fit`` always trains from scratch anyway), the skorch nets' validation split
(training data) and custom ``torch.nn.Module`` backbone classes, which are
code: models with such a backbone can only be pickled.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from pathlib import Path

import numpy as np
import torch
from skorch.history import History

from . import __version__
from ._base import torch_device, warn_user
from ._validation import InvalidParametersError
from .estimator import AUTOENCODERS, GANShieldedOvAClassifier
from .nets.classifiers import BACKBONES
from .nets.gan import Critic, Generator

__all__ = ["CONFIG_NAME", "FORMAT_VERSION", "WEIGHTS_NAME", "load_model", "save_model"]

FORMAT_NAME = "gan_ova-safe-model"
FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "weights.safetensors"

# Estimator classes load_model may instantiate: the only names from a file
# that are ever turned into classes (with AUTOENCODERS and BACKBONES).
_ESTIMATORS = {"GANShieldedOvAClassifier": GANShieldedOvAClassifier}

_TUPLE_TAG = "__tuple__"
_MAX_LABEL_ITEMSIZE = 1 << 20  # bytes per label of a restored str dtype


class _NotSerializable(Exception):
    def __init__(self, where, value):
        super().__init__(where)
        self.where = where
        self.value = value


# ----------------------------------------------------------------------
# JSON encoding of values
# ----------------------------------------------------------------------
_NOT_SCALAR = object()


def _plain_scalar(value):
    """``value`` as a JSON scalar (None, bool, str, int or float, maybe non-finite), else ``_NOT_SCALAR``."""
    if value is None or isinstance(value, (bool, np.bool_, str)):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return _NOT_SCALAR


def _encode(value, where):
    """Plain JSON value for ``value``; tuples are tagged so they come back as tuples."""
    scalar = _plain_scalar(value)
    if scalar is not _NOT_SCALAR:
        if isinstance(scalar, float) and not math.isfinite(scalar):
            raise _NotSerializable(where, scalar)
        return scalar
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, tuple):
        return {_TUPLE_TAG: [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or k == _TUPLE_TAG:
                raise _NotSerializable(f"{where} (key {k!r})", k)
            out[k] = _encode(v, f"{where}[{k!r}]")
        return out
    raise _NotSerializable(where, value)


def _decode(value):
    """Inverse of :func:`_encode`."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {_TUPLE_TAG} and isinstance(value[_TUPLE_TAG], list):
            return tuple(_decode(v) for v in value[_TUPLE_TAG])
        return {k: _decode(v) for k, v in value.items()}
    return value


def _encode_param(name, value):
    try:
        return _encode(value, name)
    except _NotSerializable as exc:
        if name == "backbone":
            raise ValueError(
                f"backbone: safe saving supports only the built-in backbones ('auto', "
                f"{', '.join(repr(b) for b in sorted(BACKBONES))}); got {value!r}. A custom torch.nn.Module "
                "class is code and cannot be stored in the safe format. For trusted use only, save the "
                "model with pickle or joblib (which execute code on load)."
            ) from None
        raise ValueError(
            f"{exc.where}: {exc.value!r} (type {type(exc.value).__name__}) cannot be stored in the safe JSON "
            "format, which supports None, bool, int, finite float, str and lists, tuples and str-keyed dicts "
            "of them. Use a plain value (e.g. an int random_state) before saving, or, for trusted use only, "
            "save the model with pickle or joblib (which execute code on load)."
        ) from None


def _encode_array(a, where):
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{where}: cannot store an array of dtype {a.dtype} in the safe format.")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"{where}: holds non-finite values; the model cannot be saved.")
    return {"dtype": a.dtype.str, "shape": list(a.shape), "values": a.ravel().tolist()}


def _encode_classes(classes):
    classes = np.asarray(classes)
    kind = classes.dtype.kind
    if kind in "biuf":
        return _encode_array(classes, "classes_")
    if kind == "U":
        return {"dtype": classes.dtype.str, "shape": list(classes.shape), "values": classes.tolist()}
    if kind == "O":
        values = []
        for v in classes.tolist():
            if isinstance(v, (str, bool, numbers.Integral)) or (isinstance(v, numbers.Real) and math.isfinite(v)):
                values.append(_encode(v, "classes_"))
            else:
                raise ValueError(
                    f"classes_: label {v!r} of type {type(v).__name__} cannot be stored in the safe format "
                    "(supported labels: int, float, str, bool)."
                )
        return {"dtype": "O", "shape": list(classes.shape), "values": values}
    raise ValueError(
        f"classes_: labels of dtype {classes.dtype} cannot be stored in the safe format "
        "(supported labels: int, float, str, bool)."
    )


def _encode_names(names, where):
    return [str(n) for n in names]


def _encode_shape(shape, where):
    return [int(v) for v in shape]


# How each kind of fitted attribute (estimator._SAFE_FITTED) is written to config.json.
_ENCODERS = {
    "classes": lambda v, where: _encode_classes(v),
    "array": _encode_array,
    "int": lambda v, where: int(v),
    "bool": lambda v, where: bool(v),
    "shape": _encode_shape,
    "names": _encode_names,
    "temperature": lambda v, where: float(v),
}


def _history_value(value):
    """JSON-compatible copy of a history entry (non-finite floats become None), or raise TypeError."""
    scalar = _plain_scalar(value)
    if scalar is not _NOT_SCALAR:
        return None if isinstance(scalar, float) and not math.isfinite(scalar) else scalar
    if isinstance(value, (list, tuple)):
        return [_history_value(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            try:
                out[str(k)] = _history_value(v)
            except TypeError:  # not plain data: left out (the history is informational)
                pass
        return out
    raise TypeError(type(value).__name__)


def _encode_history(net):
    if net is None:
        return None
    return [_history_value(row) for row in net.history if isinstance(row, dict)]


# ----------------------------------------------------------------------
# saving
# ----------------------------------------------------------------------
def _backbone_name(module):
    for name, cls in BACKBONES.items():
        if type(module) is cls:
            return name
    raise ValueError(
        f"backbone: safe saving supports only the built-in backbones "
        f"({', '.join(repr(b) for b in sorted(BACKBONES))}); the fitted classifier is a "
        f"{type(module).__module__}.{type(module).__qualname__}. A custom torch.nn.Module class is code and "
        "cannot be stored in the safe format. For trusted use only, save the model with pickle or joblib "
        "(which execute code on load)."
    )


def _autoencoder_name(module):
    for name, cls in AUTOENCODERS.items():
        if type(module) is cls:
            return name
    raise ValueError(f"autoencoder_: {type(module).__qualname__} is not a built-in autoencoder; cannot save safely.")


def _tensors(prefix, module):
    return {
        prefix + key: t.detach().to("cpu", copy=True).contiguous() for key, t in module.state_dict().items()
    }


def _write_atomic(path, write):
    tmp = path.with_name(path.name + ".tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _nets_config(net, ae):
    """The architecture of each network: built-in class names (allow-listed on load) and keyword arguments."""
    nets = {
        "classifier": {
            "module": _backbone_name(net.module_),
            "kwargs": _encode_param("classifier kwargs", net.get_params_for("module")),
        },
        "generator": {"kwargs": _encode_param("generator kwargs", net.get_params_for("generator"))},
        "critic": {"kwargs": _encode_param("critic kwargs", net.get_params_for("critic"))},
        "shielding": {
            "batch_size": int(net.batch_size),
            "n_classes": int(net.n_classes),
            "noise_dim": int(net.noise_dim),
            "class_counts": _encode_array(np.asarray(net.class_counts), "class_counts"),
        },
        "autoencoder": None,
    }
    if ae is not None:
        nets["autoencoder"] = {
            "module": _autoencoder_name(ae.module_),
            "kwargs": _encode_param("autoencoder kwargs", ae.get_params_for("module")),
            "batch_size": int(ae.batch_size),
        }
    return nets


def _fitted_config(spec, values):
    """The fitted attributes listed in ``spec`` (``(name, kind)`` pairs), encoded by kind."""
    fitted = {}
    for attr, kind in spec:
        value = values[attr]
        if value is not None:
            fitted[attr[:-1]] = _ENCODERS[kind.rstrip("?")](value, attr)
        elif kind.endswith("?") and attr != "feature_names_in_":
            fitted[attr[:-1]] = None
    return fitted


def save_model(estimator, path):
    """Save a fitted estimator to a directory in a safe (pickle-free) format.

    Writes ``config.json`` (parameters, architecture and fitted attributes)
    and ``weights.safetensors`` (the network weights) into ``path``; see
    :mod:`gan_ova.persistence` for the layout. Existing files of those names
    are replaced. Read the model back with :func:`load_model`.

    Unlike a pickle, the saved files contain no code and can be shared with,
    and received from, untrusted parties.

    Parameters
    ----------
    estimator : GANShieldedOvAClassifier
        A fitted estimator.
    path : str or os.PathLike
        Directory to write to; created (with its parents) if needed.

    Returns
    -------
    path : pathlib.Path
        The directory written.

    Raises
    ------
    ValueError
        If the estimator's class is not supported, or a parameter or fitted
        attribute cannot be stored as plain data -- in particular a custom
        ``torch.nn.Module`` class as ``backbone`` (only the built-in
        backbones can be saved safely; use pickle or joblib for trusted use)
        or a ``RandomState`` instance as ``random_state``.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.

    See Also
    --------
    load_model

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova import GANShieldedOvAClassifier
    >>> from gan_ova.persistence import load_model, save_model
    >>> X, y = make_blobs(n_samples=60, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = GANShieldedOvAClassifier(max_epochs=2, batch_size=16, noise_dim=4, generator_hidden=(16,),
    ...                                critic_hidden=(16,), random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = save_model(clf, tmp + "/model")
    ...     loaded = load_model(tmp + "/model")
    >>> bool(np.array_equal(loaded.predict_proba(X), clf.predict_proba(X)))
    True
    """
    name = type(estimator).__name__
    if _ESTIMATORS.get(name) is not type(estimator):
        raise ValueError(
            f"save_model supports {sorted(_ESTIMATORS)}; got an instance of {type(estimator).__qualname__}. "
            "For trusted use only, save it with pickle or joblib (which execute code on load)."
        )
    fitted_values, fitted_nets = estimator._get_safe_state()  # NotFittedError first
    net, ae = fitted_nets["shielding"], fitted_nets["autoencoder"]
    params = {k: _encode_param(k, v) for k, v in estimator.get_params(deep=False).items()}
    config = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "gan_ova_version": __version__,
        "estimator": name,
        "params": params,
        "nets": _nets_config(net, ae),
        "fitted": _fitted_config(type(estimator)._SAFE_FITTED, fitted_values),
        "history": {"autoencoder": _encode_history(ae), "shielding": _encode_history(net)},
    }
    text = json.dumps(config, indent=1, allow_nan=False)

    tensors = _tensors("classifier.", net.module_)
    tensors.update(_tensors("generator.", net.generator_))
    tensors.update(_tensors("critic.", net.critic_))
    if ae is not None:
        tensors.update(_tensors("autoencoder.", ae.module_))

    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    metadata = {"format": FORMAT_NAME, "format_version": str(FORMAT_VERSION)}
    _write_atomic(path / WEIGHTS_NAME, lambda p: save_file(tensors, str(p), metadata=metadata))
    _write_atomic(path / CONFIG_NAME, lambda p: p.write_text(text, encoding="utf-8"))
    return path


# ----------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------
class _Config:
    """Checked access to the parsed config (errors name the file and the entry)."""

    def __init__(self, data, path):
        self.data = data
        self.path = path

    def error(self, msg):
        return ValueError(f"{self.path}: {msg}")

    def get(self, *keys, types=None, optional=False):
        node = self.data
        for i, key in enumerate(keys):
            if not isinstance(node, dict) or key not in node:
                if optional:
                    return None
                raise self.error(f"missing entry {'.'.join(keys[: i + 1])!r}; the file is corrupted or was not "
                                 "written by gan_ova.persistence.save_model.")
            node = node[key]
        if types is not None and not isinstance(node, types):
            raise self.error(f"entry {'.'.join(keys)!r} has an invalid value {node!r}.")
        return node

    def array(self, *keys, optional=False):
        spec = self.get(*keys, types=(dict, type(None)) if optional else dict, optional=optional)
        if spec is None:
            return None
        where = ".".join(keys)
        try:
            dtype = np.dtype(spec["dtype"]) if spec["dtype"] != "O" else np.dtype(object)
            shape = tuple(int(s) for s in spec["shape"])
            values = spec["values"]
            if not isinstance(values, list) or dtype.kind not in "biufUO":
                raise TypeError
            if dtype.kind == "U" and dtype.itemsize > _MAX_LABEL_ITEMSIZE:
                raise TypeError
            if dtype.kind in "UO" and not all(isinstance(v, (str, bool, int, float)) for v in values):
                raise TypeError
            if dtype.kind in "biuf" and not all(
                isinstance(v, (bool, int, float)) and not isinstance(v, str) for v in values
            ):
                raise TypeError
            arr = np.empty(len(values), dtype=dtype)
            arr[:] = values
            return arr.reshape(shape)
        except (KeyError, TypeError, ValueError, OverflowError):
            raise self.error(f"entry {where!r} is not a valid array specification.") from None


def _read_config(path):
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: no such model directory; expected a directory written by gan_ova.persistence.save_model "
            f"holding {CONFIG_NAME} and {WEIGHTS_NAME}."
        )
    if not path.is_dir():
        raise ValueError(
            f"{path}: is a file, not a model directory; load_model expects a directory written by "
            f"gan_ova.persistence.save_model holding {CONFIG_NAME} and {WEIGHTS_NAME} (it never reads "
            "pickle or joblib files)."
        )
    config_path = path / CONFIG_NAME
    weights_path = path / WEIGHTS_NAME
    for f in (config_path, weights_path):
        if not f.is_file():
            raise FileNotFoundError(
                f"{f}: file not found; a model directory written by gan_ova.persistence.save_model holds "
                f"{CONFIG_NAME} and {WEIGHTS_NAME}."
            )
    try:
        data = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{config_path}: not valid JSON ({exc}); expected the {CONFIG_NAME} written by "
            "gan_ova.persistence.save_model (the file is corrupted or of another kind)."
        ) from None
    cfg = _Config(data, config_path)
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise cfg.error(f"not a gan_ova model config (expected 'format': {FORMAT_NAME!r}).")
    version = data.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        newer = isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION
        hint = " It was written by a newer gan_ova; upgrade gan_ova to load it." if newer else ""
        raise cfg.error(
            f"format version {version!r} is not supported; gan_ova {__version__} reads format version "
            f"{FORMAT_VERSION}.{hint}"
        )
    return cfg, weights_path


def _read_weights(weights_path):
    from safetensors import safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(str(weights_path), framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(weights_path), device="cpu")
    except Exception as exc:  # noqa: BLE001 -- safetensors raises its own error types
        raise ValueError(
            f"{weights_path}: cannot be read as a safetensors file ({type(exc).__name__}: {exc}); the file is "
            "corrupted or of another kind."
        ) from None
    if meta.get("format") != FORMAT_NAME or meta.get("format_version") != str(FORMAT_VERSION):
        raise ValueError(
            f"{weights_path}: not a gan_ova weights file of format version {FORMAT_VERSION} "
            f"(metadata {meta!r})."
        )
    return tensors


def _resolve_device(requested, saved):
    if requested is not None:
        torch_device(requested)  # ValueError if invalid or unavailable
        return str(requested)
    try:
        dev = torch.device(saved)
    except (RuntimeError, TypeError):
        return "cpu"
    if dev.type == "cuda":
        ok = torch.cuda.is_available() and (dev.index is None or dev.index < torch.cuda.device_count())
        return str(saved) if ok else "cpu"
    return "cpu"


def _load_state(module, tensors, prefix, weights_path):
    got = _compare(module.state_dict(), tensors, prefix, weights_path)
    module.load_state_dict(got, strict=True)


def _kwargs(cfg, *keys):
    kw = _decode(cfg.get(*keys, types=dict))
    if not all(isinstance(k, str) and k.isidentifier() for k in kw):
        raise cfg.error(f"entry {'.'.join(keys)!r} holds invalid argument names.")
    return kw


def _architecture(cfg):
    """``{prefix: (class, kwargs)}`` of each network, classes taken from the allow-lists only."""
    name = cfg.get("nets", "classifier", "module", types=str)
    if name not in BACKBONES:
        raise cfg.error(f"unknown classifier backbone {name!r}; expected one of {sorted(BACKBONES)}.")
    arch = {
        "classifier.": (BACKBONES[name], _kwargs(cfg, "nets", "classifier", "kwargs")),
        "generator.": (Generator, _kwargs(cfg, "nets", "generator", "kwargs")),
        "critic.": (Critic, _kwargs(cfg, "nets", "critic", "kwargs")),
    }
    if cfg.get("nets", "autoencoder", types=(dict, type(None))) is not None:
        name = cfg.get("nets", "autoencoder", "module", types=str)
        if name not in AUTOENCODERS:
            raise cfg.error(f"unknown autoencoder {name!r}; expected one of {sorted(AUTOENCODERS)}.")
        arch["autoencoder."] = (AUTOENCODERS[name], _kwargs(cfg, "nets", "autoencoder", "kwargs"))
    return arch


def _check_shapes(arch, tensors, weights_path):
    """Compare the saved tensors with the architecture built on the meta device (no memory used).

    Run before the real networks are built, so that a tampered config cannot
    make load_model allocate more than the weights file holds.
    """
    stray = sorted(k for k in tensors if not k.startswith(tuple(arch)))
    if stray:
        raise ValueError(f"{weights_path}: unexpected tensors {stray[:5]} for this model.")
    for prefix, (cls, kwargs) in arch.items():
        try:
            with torch.device("meta"):
                expected = cls(**kwargs).state_dict()
        except Exception as exc:  # noqa: BLE001 -- bad keyword values from a tampered config
            raise ValueError(
                f"{weights_path.with_name(CONFIG_NAME)}: cannot build {prefix[:-1]!r} from the saved architecture "
                f"({type(exc).__name__}: {exc})."
            ) from None
        _compare(expected, tensors, prefix, weights_path)


def _compare(expected, tensors, prefix, weights_path):
    got = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing or extra:
        raise ValueError(
            f"{weights_path}: the tensors of {prefix[:-1]!r} do not match its architecture in {CONFIG_NAME} "
            f"(missing: {missing[:5]}, unexpected: {extra[:5]})."
        )
    for key, t in expected.items():
        if tuple(got[key].shape) != tuple(t.shape) or got[key].dtype != t.dtype:
            raise ValueError(
                f"{weights_path}: tensor {prefix + key!r} has shape {tuple(got[key].shape)} and dtype "
                f"{got[key].dtype}; the architecture in {CONFIG_NAME} needs {tuple(t.shape)} and {t.dtype}."
            )
    return got


def _restore_history(net, rows):
    if net is not None and isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        net.history_ = History(rows)


def _read_shape(cfg, key, optional):
    shape = cfg.get("fitted", key, types=(list, type(None)) if optional else list, optional=optional)
    if shape is None:
        return None
    if len(shape) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in shape):
        raise cfg.error(f"entry 'fitted.{key}' has an invalid value {shape!r}.")
    return tuple(shape)


def _read_names(cfg, key, optional):
    names = cfg.get("fitted", key, types=list, optional=optional)
    if names is None:
        return None
    if not all(isinstance(n, str) for n in names):
        raise cfg.error(f"entry 'fitted.{key}': expected a list of str, got {names!r}.")
    return np.asarray(names, dtype=object)


def _read_temperature(cfg, key, optional):
    """A calibration temperature: a finite number > 0; files written before calibration existed have none (T = 1)."""
    value = cfg.get("fitted", key, types=(int, float), optional=True)
    if value is None:
        return 1.0
    if isinstance(value, bool) or not (math.isfinite(value) and value > 0):
        raise cfg.error(f"entry 'fitted.{key}': expected a finite number > 0, got {value!r}.")
    return float(value)


# How each kind of fitted attribute is read back from config.json, checked.
_DECODERS = {
    "classes": lambda cfg, key, optional: cfg.array("fitted", key, optional=optional),
    "array": lambda cfg, key, optional: cfg.array("fitted", key, optional=optional),
    "int": lambda cfg, key, optional: cfg.get("fitted", key, types=(int, type(None)) if optional else int,
                                              optional=optional),
    "bool": lambda cfg, key, optional: cfg.get("fitted", key, types=bool, optional=optional),
    "shape": _read_shape,
    "names": _read_names,
    "temperature": _read_temperature,
}


def _read_fitted(cfg, estimator_cls):
    """The estimator's fitted non-tensor attributes (``estimator_cls._SAFE_FITTED``), checked."""
    fitted = {}
    for name, kind in estimator_cls._SAFE_FITTED:
        optional = kind.endswith("?") or name == "feature_names_in_"
        fitted[name] = _DECODERS[kind.rstrip("?")](cfg, name[:-1], optional)
    if fitted["classes_"].ndim != 1:
        raise cfg.error(f"entry 'fitted.classes': expected a 1-D array, got shape {fitted['classes_'].shape}.")
    if fitted["image_shape_"] is None:
        n = fitted["n_features_in_"]
        for name in ("input_mean_", "input_scale_"):
            if fitted[name] is None or fitted[name].shape != (n,):
                raise cfg.error(f"entry 'fitted.{name[:-1]}' must have shape ({n},).")
        squash = fitted["input_squash_"]
        if squash is not None and (squash.shape != (n,) or not np.all(squash > 0)):
            raise cfg.error(f"entry 'fitted.input_squash' must hold {n} positive values.")
    return fitted


#: Parameters added after models were first saved, with the value such a model was trained with
#: (a saved config without the key gets it, not today's default).
_ADDED_PARAMS = {"GANShieldedOvAClassifier": {"dropout": 0.0}}


def load_model(path, device=None):
    """Load a model written by :func:`save_model`, without unpickling anything.

    Reads ``config.json`` with :mod:`json` and ``weights.safetensors`` with
    :func:`safetensors.torch.load_file`, instantiates the estimator class
    from a fixed allow-list, sets its parameters, rebuilds the networks (no
    training) and loads their weights. The result predicts, quantifies
    uncertainty and samples exactly like the saved model, and can be cloned
    and refitted.

    Parameters
    ----------
    path : str or os.PathLike
        Directory written by :func:`save_model`.
    device : str, torch.device or None, default=None
        Where to put the networks. None: the saved ``device`` parameter if
        that device is available here, else the CPU (a model fitted on a GPU
        loads on a machine without one). The estimator's ``device``
        parameter is set to the device used; a model fitted with
        ``precision="16-mixed"`` (CUDA only) loaded on the CPU gets
        ``precision="32"``, with a UserWarning.

    Returns
    -------
    estimator : GANShieldedOvAClassifier
        The fitted estimator. Optimizer states are not restored.

    Raises
    ------
    FileNotFoundError
        If ``path``, its ``config.json`` or its ``weights.safetensors`` does
        not exist.
    ValueError
        If a file is corrupted, of another format version, names an unknown
        estimator class or architecture, or its weights do not match the
        architecture; or if ``device`` is invalid or unavailable.

    See Also
    --------
    save_model

    Notes
    -----
    pickle and joblib files execute code on load: only unpickle files you
    trust. Use this function for models from others.

    Examples
    --------
    See :func:`save_model`.
    """
    path = Path(path)
    cfg, weights_path = _read_config(path)
    name = cfg.get("estimator", types=str)
    if name not in _ESTIMATORS:
        raise cfg.error(f"unknown estimator class {name!r}; load_model can create {sorted(_ESTIMATORS)}.")
    est = _ESTIMATORS[name]()
    params = _decode(cfg.get("params", types=dict))
    for key, value in _ADDED_PARAMS.get(name, {}).items():
        params.setdefault(key, value)  # saved before the parameter existed: the value it was trained with
    unknown = sorted(set(params) - set(est.get_params(deep=False)))
    if unknown:
        raise cfg.error(f"unknown parameters {unknown} for {name}.")
    est.set_params(**params)
    dev = _resolve_device(device, params.get("device", "cpu"))
    est.set_params(device=dev)
    if est.precision == "16-mixed" and torch.device(dev).type != "cuda":
        warn_user(
            f"precision: the model was fitted with precision='16-mixed', which needs CUDA; loaded on {dev!r} "
            "it predicts with precision='32' (the weights are float32 either way)."
        )
        est.set_params(precision="32")

    # every fitted attribute is read and checked before any network is built
    fitted = _read_fitted(cfg, type(est))
    arch = _architecture(cfg)
    if (fitted["image_shape_"] is None) != ("autoencoder." not in arch):
        raise cfg.error("an image model needs an autoencoder and a vector model none.")
    latent_dim = arch["generator."][1].get("latent_dim")
    if fitted["latent_mean_"].shape != (latent_dim,) or fitted["latent_scale_"].shape != (latent_dim,):
        raise cfg.error(f"'fitted.latent_mean' and 'fitted.latent_scale' must have shape ({latent_dim},).")
    n_classes = cfg.get("nets", "shielding", "n_classes", types=int)
    if len(fitted["classes_"]) != n_classes or fitted["class_prior_"].shape != (n_classes,):
        raise cfg.error(f"'fitted.classes' and 'fitted.class_prior' must list {n_classes} classes.")
    tensors = _read_weights(weights_path)
    _check_shapes(arch, tensors, weights_path)

    shielding = {
        "batch_size": cfg.get("nets", "shielding", "batch_size", types=int),
        "noise_dim": cfg.get("nets", "shielding", "noise_dim", types=int),
        "class_counts": cfg.array("nets", "shielding", "class_counts"),
    }
    ae_bs = cfg.get("nets", "autoencoder", "batch_size", types=int) if "autoencoder." in arch else None
    try:
        modules = est._set_safe_state(fitted, arch, shielding, ae_bs, dev)
    except InvalidParametersError as exc:
        raise cfg.error(str(exc)) from None
    except ValueError as exc:
        raise cfg.error(f"cannot rebuild the networks from the saved architecture ({exc}).") from None
    except (TypeError, RuntimeError) as exc:
        raise cfg.error(f"cannot rebuild the networks from the saved architecture ({exc}).") from None
    with torch.no_grad():
        for prefix, module in modules.items():
            _load_state(module, tensors, prefix, weights_path)
    _restore_history(est.autoencoder_, cfg.get("history", "autoencoder", optional=True))
    _restore_history(est.shielding_net_, cfg.get("history", "shielding", optional=True))
    return est
