"""The paper's comparison on your machine: UQGAN against its baselines, several seeds.

:func:`run_benchmark` fits every method on the in-distribution classes of a
data set, evaluates accuracy, calibration, misclassification (FP) detection
and out-of-distribution detection on each OoD set and on all of them pooled
(:func:`gan_ova.metrics.evaluate`), and returns every number per seed plus
mean and standard deviation. :func:`format_table` renders the paper-style
table (x100). :func:`merge_results` combines runs made in parts (per method,
per seed) into the results of one run. The ``gan-ova benchmark`` and
``gan-ova merge`` commands wrap them.

Protocols (in-distribution: the chosen classes of the training split; test:
the same classes of the test split):

* ``digits`` -- scikit-learn's 8x8 digits; OoD: the held-out digits of the
  test split (near), rendered letters A-J and uniform noise (far), all 8x8.
* ``fashion_mnist`` -- Fashion-MNIST 28x28; OoD: the held-out classes of the
  test split (near), rendered letters, scikit-learn digits upscaled to
  28x28, uniform noise (far).
* ``mnist`` -- MNIST through torchvision (``root=``); OoD as Fashion-MNIST
  with Fashion-MNIST added.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import os
import platform
import sys
import time
import warnings

import numpy as np
import torch

from . import __version__
from .baselines import (
    ConfidentClassifier,
    DeepEnsembleClassifier,
    MCDropoutClassifier,
    OvAClassifier,
    SoftmaxClassifier,
)
from .datasets import (
    load_dataset,
    load_digits_images,
    make_letters,
    make_noise_images,
    parse_classes,
    split_classes,
    to_shape,
)
from .estimator import GANShieldedOvAClassifier
from .metrics import evaluate

__all__ = ["METHODS", "BUDGETS", "BUDGET_NAMES", "load_protocol", "run_benchmark", "merge_results", "format_table",
           "parse_overrides", "NEAR_OOD"]

#: Method name -> (estimator class, fixed constructor arguments). ``uqgan_mc`` is
#: the paper's best variant, UQGAN with MC dropout (p=0.5 in training, 50 passes at
#: test time): a separate fit from single-pass ``uqgan``, with the same budget.
#: ``uqgan_ts`` is ``uqgan`` with temperature scaling of ``P(k|x)`` fitted on the
#: validation split (``calibration="temperature"``); the calibration does not touch
#: training, so with the same seed it trains the same networks as ``uqgan`` and the
#: two rows differ only by the calibration. Run together (same arguments apart from
#: ``calibration``), the two rows share one fit per seed (see ``_shared_fits``).
METHODS = {
    "uqgan": (GANShieldedOvAClassifier, {}),
    "uqgan_mc": (GANShieldedOvAClassifier, {"mc_dropout": 0.5, "mc_samples": 50}),
    "uqgan_ts": (GANShieldedOvAClassifier, {"calibration": "temperature"}),
    "max_softmax": (SoftmaxClassifier, {"epistemic_score": "max_softmax"}),
    "entropy": (SoftmaxClassifier, {"epistemic_score": "entropy"}),
    "ova": (OvAClassifier, {}),
    "mc_dropout": (MCDropoutClassifier, {"dropout": 0.5, "mc_samples": 50}),
    "ensemble": (DeepEnsembleClassifier, {"n_members": 5}),
    "confident": (ConfidentClassifier, {}),
}

#: (dataset, budget) -> method -> constructor arguments; ``"*"`` is every baseline.
#: Methods built on UQGAN (``uqgan_mc``, ``uqgan_ts``) use the ``"uqgan"`` entry (see ``_BUDGET_OF``).
#:
#: * ``quick`` -- minutes on a CPU. Baselines get twice the epochs of UQGAN's stage 2
#:   (UQGAN makes 5 classifier steps per batch, so it still takes more steps).
#: * ``standard`` -- the stated budget for Fashion-MNIST / MNIST: the full training split
#:   of the in-distribution classes (run it without ``n_train``: 30,000 images for
#:   classes 0-4), batch 128, one UQGAN fit about 10-15 minutes on 2 CPU cores. The
#:   baselines get the same number of passes over the data as UQGAN's stage 2
#:   (``max_epochs`` equal to UQGAN's ``max_epochs``); each of the deep ensemble's 5
#:   members gets that whole budget. Digits has no separate standard budget: its
#:   ``standard`` entry is its ``quick`` entry, so ``--budget standard`` works everywhere.
#: * ``paper`` -- the reference epochs (a GPU budget). Fashion-MNIST / MNIST baselines get
#:   twice UQGAN's stage-2 epochs, the digits baselines the same 300 epochs.
BUDGETS = {
    ("digits", "quick"): {
        "uqgan": {"cae_max_epochs": 20, "max_epochs": 15, "batch_size": 64},
        "*": {"max_epochs": 30, "batch_size": 64},
    },
    ("digits", "paper"): {
        "uqgan": {"cae_max_epochs": 200, "max_epochs": 300, "batch_size": 64},
        "*": {"max_epochs": 300, "batch_size": 64},
    },
    ("fashion_mnist", "quick"): {
        "uqgan": {"cae_max_epochs": 10, "max_epochs": 3, "batch_size": 128},
        "*": {"max_epochs": 6, "batch_size": 128},
    },
    # The standard budget (tune it here, nowhere else): 10 + 8 epochs took about 3 minutes
    # on 6,000 images on 2 cores (benchmarks/shields.py), so about 15 minutes on 30,000.
    ("fashion_mnist", "standard"): {
        "uqgan": {"cae_max_epochs": 10, "max_epochs": 8, "batch_size": 128},
        "*": {"max_epochs": 8, "batch_size": 128},
    },
    ("fashion_mnist", "paper"): {
        "uqgan": {"cae_max_epochs": 200, "max_epochs": 20, "batch_size": 256},
        "*": {"max_epochs": 40, "batch_size": 256},
    },
}
BUDGETS[("digits", "standard")] = BUDGETS[("digits", "quick")]
for _name in ("quick", "standard", "paper"):
    BUDGETS[("mnist", _name)] = BUDGETS[("fashion_mnist", _name)]
del _name

#: Budget names, as offered by ``gan-ova benchmark --budget``.
BUDGET_NAMES = ("quick", "standard", "paper")

#: Method -> the BUDGETS entry it uses when it has none of its own.
_BUDGET_OF = {"uqgan_mc": "uqgan", "uqgan_ts": "uqgan"}

#: Name of the near-OoD set (held-out classes of the same data set).
NEAR_OOD = "held_out_classes"


def _budget(dataset, budget, method):
    key = (dataset, budget)
    if key not in BUDGETS:
        valid = [b for b in BUDGET_NAMES if (dataset, b) in BUDGETS]
        raise ValueError(f"budget: expected one of {valid} for dataset {dataset!r}, got {budget!r}.")
    table = BUDGETS[key]
    for entry in (method, _BUDGET_OF.get(method)):
        if entry in table:
            return dict(table[entry])
    return dict(table["*"])


def load_protocol(dataset="digits", in_classes="0-4", ood=None, root=None, n_train=None, random_state=0):
    """Load the train/test data and the OoD sets of a benchmark protocol.

    Parameters
    ----------
    dataset : {"digits", "fashion_mnist", "mnist"}, default="digits"
    in_classes : str or list of int, default="0-4"
        In-distribution classes (e.g. ``"0-4"``); the other classes of the
        test split form the near-OoD set ``"held_out_classes"``.
    ood : list of str or None, default=None
        Which OoD sets to build, from ``"held_out_classes"``, ``"letters"``,
        ``"noise"``, ``"digits"`` (28x28 protocols) and ``"fashion_mnist"``
        (MNIST protocol). None: all that apply.
    root : str or None
        Data root for torchvision-style files.
    n_train : int or None
        Keep a stratified random subset of this many training images (for
        CPU budgets); None keeps all.
    random_state : int, default=0
        Seeds the subset and the synthetic OoD sets.

    Returns
    -------
    data : dict
        ``X_train, y_train, X_test, y_test`` and ``ood`` (name -> images).

    Examples
    --------
    >>> data = load_protocol("digits", "0-4")
    >>> data["X_train"].shape[1:], sorted(data["ood"])
    ((1, 8, 8), ['held_out_classes', 'letters', 'noise'])
    """
    name = dataset.replace("-", "_").lower()
    if name not in ("digits", "fashion_mnist", "mnist"):
        raise ValueError(f"dataset: expected 'digits', 'fashion_mnist' or 'mnist', got {dataset!r}.")
    X_tr, y_tr = load_dataset(name, root=root, train=True)
    X_te, y_te = load_dataset(name, root=root, train=False)
    classes = parse_classes(in_classes)
    X_tr, y_tr, _, _ = split_classes(X_tr, y_tr, classes)
    X_te, y_te, X_near, _ = split_classes(X_te, y_te, classes)
    rng = np.random.RandomState(random_state)
    if n_train is not None and n_train < len(X_tr):
        from sklearn.model_selection import train_test_split

        X_tr, _, y_tr, _ = train_test_split(X_tr, y_tr, train_size=n_train, stratify=y_tr, random_state=random_state)
    shape = X_tr.shape[1:]
    n_ood = min(len(X_te), 2000)
    available = {"held_out_classes", "letters", "noise"}
    if name != "digits":
        available.add("digits")
    if name == "mnist":
        available.add("fashion_mnist")
    wanted = sorted(available) if ood is None else list(ood)
    unknown = [o for o in wanted if o not in available]
    if unknown:
        raise ValueError(f"ood: unknown OoD set(s) {unknown} for dataset {dataset!r}; expected some of {sorted(available)}.")
    sets = {}
    for o in wanted:
        if o == "held_out_classes":
            if len(X_near) == 0:
                continue
            sets[o] = X_near
        elif o == "letters":
            per = max(n_ood // 10, 1)
            letters, _ = make_letters(n_per_letter=per, size=28, random_state=rng.randint(2**31 - 1))
            sets[o] = to_shape(letters, shape)
        elif o == "noise":
            sets[o] = make_noise_images(n_ood, shape=shape, random_state=rng.randint(2**31 - 1))
        elif o == "digits":
            d, _ = load_digits_images()
            sets[o] = to_shape(d, shape)
        elif o == "fashion_mnist":
            f, _ = load_dataset("fashion_mnist", root=root, train=False)
            sets[o] = to_shape(f[:n_ood], shape)
    return {"X_train": X_tr, "y_train": y_tr, "X_test": X_te, "y_test": y_te, "ood": sets}


def _summarize(per_seed):
    """Mean and std over seeds of every number in a list of nested result dicts (text entries are skipped)."""

    def walk(items):
        first = items[0]
        if isinstance(first, dict):
            keys = list(dict.fromkeys(k for it in items for k in it))  # a key some seeds lack (older parts)
            return {
                k: walk([it[k] for it in items if k in it])
                for k in keys
                if not isinstance(next(it[k] for it in items if k in it), str)
            }
        arr = np.asarray(items, dtype=float)
        return {"mean": float(np.nanmean(arr)) if np.isfinite(arr).any() else float("nan"),
                "std": float(np.nanstd(arr)) if np.isfinite(arr).any() else float("nan")}

    return walk(per_seed)


def run_benchmark(
    dataset="digits",
    in_classes="0-4",
    ood=None,
    methods=None,
    seeds=(0, 1, 2),
    budget="quick",
    device="cpu",
    root=None,
    n_train=None,
    output=None,
    verbose=1,
    overrides=None,
):
    """Fit and evaluate every method on a protocol over several seeds.

    Parameters
    ----------
    dataset, in_classes, ood, root, n_train
        See :func:`load_protocol`.
    methods : list of str or None
        Keys of :data:`METHODS`; None runs all.
    seeds : sequence of int, default=(0, 1, 2)
        One fit per method and seed (``random_state=seed``).
    budget : {"quick", "standard", "paper"}, default="quick"
        Training budgets from :data:`BUDGETS`.
    device : str, default="cpu"
    output : str or None
        Folder for ``results.json`` and ``results.md``; created if needed.
    verbose : int, default=1
        0 silent; 1 one progress line per fit (on stderr).
    overrides : dict or None
        method -> extra constructor arguments (e.g. ``{"uqgan": {"lambda_reg": 8}}``).

    Returns
    -------
    results : dict
        ``config``, ``runs`` (method -> list of per-seed metric dicts with
        ``fit_seconds`` and ``valid_accuracy``, the best validation accuracy
        of the fit's checkpointed classifier(s); in the order of
        ``config["method_seeds"][method]``)
        and ``summary`` (method -> mean/std of every metric).

    Examples
    --------
    >>> res = run_benchmark("digits", methods=["ova"], seeds=[0], verbose=0,
    ...                     overrides={"ova": {"max_epochs": 2}})
    >>> sorted(res["summary"]["ova"])
    ['accuracy', 'ece', 'fit_seconds', 'fp_auroc', 'ood', 'valid_accuracy']
    """
    methods = _check_methods(methods)
    _check_overrides(overrides or {}, methods)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none.")
    name = dataset.replace("-", "_").lower()
    data = load_protocol(name, in_classes, ood=ood, root=root, n_train=n_train)
    config = _run_config(name, in_classes, data, methods, seeds, budget, device, overrides or {})
    runs = {m: [] for m in methods}
    total, t_start = len(methods) * len(seeds), time.perf_counter()
    shared = _shared_fits(methods, config["params"])
    for seed in seeds:
        fits = {}  # this seed's fits that another method reuses
        for m in methods:
            src = shared.get(m, m)
            est, fit_s, shields = fits[src] if src in fits else _fit(src, config["params"][src], seed, device, data)
            if src in shared.values():
                fits[src] = (est, fit_s, shields)
            res = _evaluate_fit(est, fit_s, data, shared_fit=src if src != m else None, shields=shields)
            del est
            runs[m].append(res)
            if verbose:
                done = sum(len(r) for r in runs.values())
                print(
                    f"[{done}/{total}] {m:<12} seed {seed}: acc {100 * res['accuracy']:.2f}  "
                    f"OoD AUROC {100 * res['ood']['pooled']['auroc']:.2f}  fit {res['fit_seconds']:.1f}s  "
                    f"(elapsed {time.perf_counter() - t_start:.0f}s)",
                    file=sys.stderr,
                    flush=True,
                )
    return _finish(config, runs, output)


def parse_overrides(items, methods=None):
    """``METHOD.PARAM=VALUE`` strings (``gan-ova benchmark --set``) as ``run_benchmark``'s ``overrides``.

    Parameters
    ----------
    items : sequence of str
        Each ``METHOD.PARAM=VALUE``. ``METHOD`` may be a shell-style pattern
        (``uqgan*``); it expands to the matching methods of ``methods``.
        ``VALUE`` is read as JSON when it parses (``8``, ``true``,
        ``{"dropout": 0.5}``), else kept as a string.
    methods : sequence of str or None, default=None
        The methods that will run (None: all of :data:`METHODS`).

    Returns
    -------
    overrides : dict
        ``{method: {param: value}}``.

    Raises
    ------
    ValueError
        If an item is not of the form ``METHOD.PARAM=VALUE``, its ``METHOD``
        matches none of ``methods``, or ``methods`` names an unknown method.
        Unknown parameters are refused by :func:`run_benchmark`.

    Examples
    --------
    >>> parse_overrides(["uqgan*.lambda_reg=8", "ova.max_epochs=2"], ["uqgan", "uqgan_ts", "ova"])
    {'uqgan': {'lambda_reg': 8}, 'uqgan_ts': {'lambda_reg': 8}, 'ova': {'max_epochs': 2}}
    """
    methods = _check_methods(methods)
    overrides = {}
    for item in items or ():
        target, sep, raw = item.partition("=")
        method, dot, param = target.rpartition(".")
        if not sep or not dot or not method or not param:
            raise ValueError(f"--set: expected METHOD.PARAM=VALUE (e.g. uqgan.lambda_reg=8), got {item!r}.")
        matched = fnmatch.filter(methods, method)
        if not matched:
            raise ValueError(f"--set: {method!r} matches none of the methods run ({methods}) in {item!r}.")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        for m in matched:
            overrides.setdefault(m, {})[param] = value
    return overrides


def _check_methods(methods):
    methods = list(METHODS) if methods is None else list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"methods: unknown method(s) {unknown}; expected some of {list(METHODS)}.")
    return methods


def _check_overrides(overrides, methods):
    """Reject overrides for methods not run, or naming no constructor parameter of the method."""
    import inspect

    if not isinstance(overrides, dict):
        raise ValueError(f"overrides: expected a dict method -> {{parameter: value}}, got {type(overrides).__name__}.")
    for m, kw in overrides.items():
        if m not in methods:
            raise ValueError(f"overrides: method {m!r} is not among the methods run ({methods}).")
        if not isinstance(kw, dict):
            raise ValueError(f"overrides[{m!r}]: expected a dict parameter -> value, got {type(kw).__name__}.")
        known = set(inspect.signature(METHODS[m][0].__init__).parameters) - {"self", "random_state", "device"}
        unknown = sorted(set(kw) - known)
        if unknown:
            raise ValueError(
                f"overrides[{m!r}]: unknown parameter(s) {unknown} of {METHODS[m][0].__name__}; expected some of "
                f"{sorted(known)} (random_state comes from the seeds, device from device=)."
            )


def _run_config(name, in_classes, data, methods, seeds, budget, device, overrides):
    """The ``config`` of a run: the protocol, each method's constructor arguments and the machine."""
    return {
        "dataset": name,
        "in_classes": parse_classes(in_classes),
        "ood_sets": {k: int(len(v)) for k, v in data["ood"].items()},
        "n_train": int(len(data["X_train"])),
        "n_test": int(len(data["X_test"])),
        "methods": methods,
        "seeds": seeds,
        "method_seeds": {m: list(seeds) for m in methods},
        "budget": budget,
        "params": {m: {**METHODS[m][1], **_budget(name, budget, m), **overrides.get(m, {})} for m in methods},
        "device": device,
        "gan_ova": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
    }


def _shared_fits(methods, params):
    """Methods that reuse another method's fit of the same seed: ``{"uqgan": "uqgan_ts"}`` or ``{}``.

    Temperature scaling does not touch training, so when ``uqgan`` and ``uqgan_ts``
    run with the same constructor arguments apart from ``calibration``, one fit
    (the calibrated one) serves both rows: ``uqgan`` is evaluated with ``T = 1``.
    Its ``fit_seconds`` is that fit's, and its runs record ``shared_fit``.
    """
    if "uqgan" not in methods or "uqgan_ts" not in methods:
        return {}
    plain, calibrated = dict(params["uqgan"]), dict(params["uqgan_ts"])
    if plain.pop("calibration", None) is None and calibrated.pop("calibration", None) == "temperature" \
            and plain == calibrated:
        return {"uqgan": "uqgan_ts"}
    return {}


def _fit(method, params, seed, device, data):
    """``(estimator of method fitted with random_state=seed, fit seconds, shield statistics or None)``.

    The shield statistics (UQGAN methods only, see :func:`_shield_statistics`) are
    measured once per fit, so methods sharing a fit share them.
    """
    cls, _ = METHODS[method]
    t0 = time.perf_counter()
    est = cls(**dict(params, random_state=seed, device=device)).fit(data["X_train"], data["y_train"])
    fit_s = time.perf_counter() - t0
    return est, fit_s, _shield_statistics(est, data) if isinstance(est, GANShieldedOvAClassifier) else None


def _evaluate_fit(est, fit_s, data, shared_fit=None, shields=None):
    """The metrics of a fitted estimator plus ``fit_seconds`` (and ``shields`` if given).

    With ``shared_fit`` (the method whose calibrated fit is reused, see
    :func:`_shared_fits`), the estimator is evaluated without its temperature.
    """
    if shared_fit is not None:
        est = copy.copy(est)  # shares the fitted networks; only the temperature differs
        est.calibration, est.calibration_temperature_ = None, 1.0
    res = evaluate(est, data["X_test"], data["y_test"], data["ood"])
    res["fit_seconds"] = fit_s
    valid = _valid_accuracy(est)
    if valid is not None:
        res["valid_accuracy"] = valid
    if shields is not None:
        res["shields"] = shields
    if shared_fit is not None:
        res["shared_fit"] = shared_fit
    if getattr(est, "calibration", None) is not None:
        res["calibration_temperature"] = float(est.calibration_temperature_)
    return res


def _valid_accuracy(est):
    """Best validation accuracy of the estimator's checkpointed classifier(s), or None without one.

    The validation split is the one ``fit`` holds out (``validation_fraction``): the
    number settings may be chosen on, unlike the test OoD sets. A deep ensemble reports
    the mean over its members.
    """
    nets = getattr(est, "nets_", None)  # a deep ensemble's members
    if nets is None:
        net = getattr(est, "shielding_net_", None)
        nets = [net if net is not None else getattr(est, "net_", None)]
    scores = []
    for net in nets:
        history = getattr(net, "history", None)
        if not history:
            return None
        acc = [row["valid_acc"] for row in history if "valid_acc" in row]
        if not acc:
            return None
        scores.append(max(acc))
    return float(np.mean(scores))


#: The per-class statistics of ``shield_diagnostics`` a benchmark run records.
SHIELD_STATISTICS = ("distance_ratio", "own_head_p", "reconstruction_head_p")


def _shield_statistics(est, data):
    """Per class (keyed by label), the end-of-training shield statistics on the training data.

    See :meth:`GANShieldedOvAClassifier.shield_diagnostics`: on the class boundary a
    class's shields have ``distance_ratio`` about 1-3 and ``own_head_p`` between 0.05 and
    0.5, and reconstructions of its real images keep ``reconstruction_head_p`` >= 0.5.
    Seeded (``random_state=0``), so the same fit gives the same numbers.
    """
    d = est.shield_diagnostics(data["X_train"], data["y_train"], random_state=0)
    labels = [str(c.item() if hasattr(c, "item") else c) for c in est.classes_]
    return {name: {c: float(v) for c, v in zip(labels, d[name])} for name in SHIELD_STATISTICS}


def _finish(config, runs, output):
    """Summarize the per-seed runs and write ``results.json`` / ``results.md`` if asked."""
    results = {"config": config, "runs": runs, "summary": {m: _summarize(runs[m]) for m in config["methods"]}}
    if output:
        os.makedirs(output, exist_ok=True)
        with open(os.path.join(output, "results.json"), "w") as f:
            json.dump(results, f, indent=2, default=float)
        with open(os.path.join(output, "results.md"), "w") as f:
            f.write(format_table(results) + "\n")
    return results


#: Config keys that define the protocol: parts of a run must agree on all of them.
_PROTOCOL_KEYS = ("dataset", "in_classes", "ood_sets", "n_train", "n_test", "budget")
#: Config keys that describe the machine; parts may differ (then the merged value is a list).
_ENVIRONMENT_KEYS = ("device", "gan_ova", "torch", "python", "threads")


def _read_part(path):
    """``(file, results)`` of one part: a folder holding ``results.json``, or the file itself."""
    file = os.path.join(path, "results.json") if os.path.isdir(path) else path
    if not os.path.isfile(file):
        raise FileNotFoundError(
            f"paths: no results.json in {path!r}; expected a folder written by gan-ova benchmark "
            "(run_benchmark(output=...)) or the path of its results.json."
        )
    with open(file) as f:
        try:
            results = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"paths: {file!r} is not valid JSON ({exc}); expected a benchmark results.json.") from None
    if not isinstance(results, dict) or not {"config", "runs"} <= set(results):
        raise ValueError(f"paths: {file!r} is not a benchmark results.json; expected the keys 'config' and 'runs'.")
    return file, results


def _same_folder(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def merge_results(paths, output=None, methods=None):
    """Combine benchmark runs made in parts (per method, per seed) into one result.

    Every part is a folder written by :func:`run_benchmark` (``output=``) or
    ``gan-ova benchmark --output``. The parts must share the protocol
    (dataset, in-distribution classes, OoD sets, budget, number of training
    and test images) and, for a method present in several parts, its
    constructor arguments. Each (method, seed) pair may come from one part
    only. The per-seed numbers are combined and the mean and std per method
    recomputed, so the result (and ``format_table`` of it) is what one run
    over all the methods and seeds would have given -- apart from
    ``fit_seconds``, measured where each part ran.

    Parameters
    ----------
    paths : sequence of str or path-like
        Result folders (or their ``results.json`` files). A folder that is
        ``output`` itself is skipped with a warning, so that
        ``gan-ova merge results/std/* --output results/std/merged`` can be
        run again.
    output : str or None, default=None
        Folder for the merged ``results.json`` and ``results.md``; created
        if needed. None writes nothing.
    methods : sequence of str or None, default=None
        Keep only these methods of every part (the others are left out
        before any check, so a part may also hold an older run of a method
        that another part reruns with new parameters). None keeps all.

    Returns
    -------
    results : dict
        As returned by :func:`run_benchmark`: ``config`` (methods in the
        order of :data:`METHODS`, seeds sorted, ``method_seeds`` the seeds
        of each method, ``merged_from`` the part files; a machine key such as
        ``threads`` becomes a list where parts differ), ``runs`` and
        ``summary``.

    Raises
    ------
    FileNotFoundError
        If a path holds no ``results.json``.
    ValueError
        If no part is given, the parts' protocols or a method's parameters
        differ, a (method, seed) pair is in two parts, or ``methods`` names
        a method that no part holds.

    Examples
    --------
    >>> import os, tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> tiny = {"max_softmax": {"max_epochs": 2}}
    >>> for seed in (0, 1):
    ...     _ = run_benchmark("digits", methods=["max_softmax"], seeds=[seed], overrides=tiny,
    ...                       output=os.path.join(tmp.name, f"seed{seed}"), verbose=0)
    >>> parts = [os.path.join(tmp.name, "seed0"), os.path.join(tmp.name, "seed1")]
    >>> merged = merge_results(parts, output=os.path.join(tmp.name, "merged"))
    >>> merged["config"]["seeds"], len(merged["runs"]["max_softmax"])
    ([0, 1], 2)
    >>> sorted(os.listdir(os.path.join(tmp.name, "merged")))
    ['results.json', 'results.md']
    >>> tmp.cleanup()
    """
    parts = [_read_part(p) for p in _part_paths(paths, output)]
    if methods is not None:
        parts = _keep_methods(parts, methods)
    _check_same_protocol(parts)
    records, params, merged_from = _collect_records(parts)
    first = parts[0][1]
    methods = [m for m in METHODS if m in records] + [m for m in records if m not in METHODS]
    method_seeds = {m: sorted(records[m]) for m in methods}
    config = {key: first["config"][key] for key in ("dataset", "in_classes", "ood_sets", "n_train", "n_test")}
    config.update(
        methods=methods,
        seeds=sorted({s for seeds in method_seeds.values() for s in seeds}),
        method_seeds=method_seeds,
        budget=first["config"]["budget"],
        params={m: params[m][0] for m in methods},
    )
    for key in _ENVIRONMENT_KEYS:
        values = []
        for _, res in parts:
            v = res["config"].get(key)
            for item in v if isinstance(v, list) else [v]:
                if item not in values:
                    values.append(item)
        config[key] = values[0] if len(values) == 1 else values
    config["merged_from"] = merged_from
    runs = {m: [records[m][s][0] for s in method_seeds[m]] for m in methods}
    return _finish(config, runs, output)


def _keep_methods(parts, methods):
    """The parts restricted to ``methods`` (parts left without any are dropped); unknown names are an error."""
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    methods = list(methods)
    held = {m for _, res in parts for m in res["runs"]}
    missing = [m for m in methods if m not in held]
    if not methods or missing:
        raise ValueError(
            f"methods: {missing or methods!r} not in any part; the parts hold {sorted(held)}."
        )
    kept = []
    for file, res in parts:
        runs = {m: r for m, r in res["runs"].items() if m in methods}
        if not runs:
            continue
        cfg = dict(res["config"])
        cfg["methods"] = [m for m in cfg.get("methods", list(res["runs"])) if m in runs]
        if "method_seeds" in cfg:
            cfg["method_seeds"] = {m: v for m, v in cfg["method_seeds"].items() if m in runs}
        cfg["params"] = {m: v for m, v in cfg["params"].items() if m in runs}
        kept.append((file, dict(res, config=cfg, runs=runs)))
    return kept


def _part_paths(paths, output):
    """The part paths as strings, without the output folder itself (with a warning); at least one."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if output:
        for p in [p for p in paths if _same_folder(p if os.path.isdir(p) else os.path.dirname(p) or ".", output)]:
            warnings.warn(f"merge_results: skipping {p!r}, the output folder itself (it is rewritten).", UserWarning, stacklevel=3)
            paths.remove(p)
    if not paths:
        raise ValueError("paths: expected at least one results folder to merge, got none.")
    return paths


def _check_same_protocol(parts):
    first_file, first = parts[0]
    for file, res in parts[1:]:
        for key in _PROTOCOL_KEYS:
            a, b = first["config"].get(key), res["config"].get(key)
            if a != b:
                raise ValueError(
                    f"paths: the parts were run with different protocols: {key!r} is {a!r} in {first_file!r} "
                    f"but {b!r} in {file!r}; only runs of the same dataset, in_classes, OoD sets, budget and "
                    "n_train can be merged."
                )


def _collect_records(parts):
    """``(records, params, merged_from)``: method -> seed -> (record, file), method -> (params, file), files."""
    records, params, merged_from = {}, {}, []
    for file, res in parts:
        cfg = res["config"]
        merged_from += cfg.get("merged_from", [file])
        method_seeds = cfg.get("method_seeds") or {m: cfg["seeds"] for m in res["runs"]}
        for m, recs in res["runs"].items():
            seeds = [int(s) for s in method_seeds[m]]
            if len(seeds) != len(recs):
                raise ValueError(f"paths: {file!r} has {len(recs)} runs of {m!r} for the {len(seeds)} seeds {seeds}; the file is damaged.")
            p = cfg["params"][m]
            if m in params and params[m][0] != p:
                raise ValueError(
                    f"paths: method {m!r} was run with different parameters: {params[m][0]!r} in {params[m][1]!r} "
                    f"but {p!r} in {file!r}; rerun one part with the other's budget."
                )
            params.setdefault(m, (p, file))
            seen = records.setdefault(m, {})
            for seed, rec in zip(seeds, recs):
                if seed in seen:
                    raise ValueError(
                        f"paths: method {m!r} seed {seed} is in both {seen[seed][1]!r} and {file!r}; each "
                        "(method, seed) pair may come from one part only."
                    )
                seen[seed] = (rec, file)
    return records, params, merged_from


def _seed_counts(results):
    """Method -> number of seeds behind its summary."""
    cfg, runs = results["config"], results.get("runs") or {}
    method_seeds = cfg.get("method_seeds") or {}
    return {m: len(runs[m]) if m in runs else len(method_seeds.get(m, cfg["seeds"])) for m in results["summary"]}


def _cell(stat, n):
    m, s = stat["mean"], stat["std"]
    if not np.isfinite(m):
        return "n/a"
    if n == 1:
        return f"{100 * m:.2f}"  # one seed: no spread to show
    return f"{100 * m:.2f} ± {100 * s:.2f}"


def _spread_note(counts):
    ns = sorted(set(counts.values()))
    if ns == [1]:
        return "x100; 1 seed (n=1): single values, no spread."
    if len(ns) == 1:
        return f"x100, mean ± std over {ns[0]} seeds."
    return "x100, mean ± std over each method's n seeds (column n; n=1: a single value, no spread)."


def format_table(results):
    """The paper-style markdown table (x100), plus OoD AUROC per set.

    Cells are mean ± std over the seeds; a method run with one seed shows its
    value alone, and a note under the table says how many seeds the numbers
    come from (a column ``n`` appears when methods have different counts).

    Parameters
    ----------
    results : dict
        As returned by :func:`run_benchmark` or :func:`merge_results` (or
        loaded from their ``results.json``).

    Returns
    -------
    table : str

    Examples
    --------
    >>> res = run_benchmark("digits", methods=["ova"], seeds=[0], verbose=0,
    ...                     overrides={"ova": {"max_epochs": 1}})
    >>> table = format_table(res)
    >>> print(table.splitlines()[0])
    digits classes [0, 1, 2, 3, 4] in; OoD sets ['held_out_classes', 'letters', 'noise']; 630 training images; budget quick; seeds [0]
    >>> print(table.splitlines()[2])
    | method | Acc | AUROC S/F | ECE | OoD AUROC | AUPR-In | AUPR-Out | FPR@95 | fit s |
    >>> "1 seed (n=1): single values, no spread" in table
    True
    """
    cfg = results["config"]
    summary = results["summary"]
    counts = _seed_counts(results)
    ragged = len(set(counts.values())) > 1
    head = (
        f"{cfg['dataset']} classes {cfg['in_classes']} in; OoD sets {list(cfg['ood_sets'])}; "
        f"{cfg['n_train']} training images; budget {cfg['budget']}; seeds {cfg['seeds']}\n\n"
    )
    cols = (["n"] if ragged else []) + ["Acc", "AUROC S/F", "ECE", "OoD AUROC", "AUPR-In", "AUPR-Out", "FPR@95", "fit s"]
    lines = ["| method | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for m, s in summary.items():
        n = counts[m]
        p = s["ood"].get("pooled", {})
        row = ([str(n)] if ragged else []) + [
            _cell(s["accuracy"], n),
            _cell(s["fp_auroc"], n),
            _cell(s["ece"], n),
            _cell(p["auroc"], n) if p else "n/a",
            _cell(p["aupr_in"], n) if p else "n/a",
            _cell(p["aupr_out"], n) if p else "n/a",
            _cell(p["fpr95"], n) if p else "n/a",
            f"{s['fit_seconds']['mean']:.1f}",
        ]
        lines.append(f"| {m} | " + " | ".join(row) + " |")
    lines += ["", _spread_note(counts)]
    sets = [k for k in cfg["ood_sets"]]
    if sets:
        lines += ["", "OoD AUROC per set (near: held-out classes; the rest far):", ""]
        lines.append("| method | " + " | ".join(sets) + " |")
        lines.append("|---" * (len(sets) + 1) + "|")
        for m, s in summary.items():
            lines.append(f"| {m} | " + " | ".join(_cell(s["ood"][k]["auroc"], counts[m]) for k in sets) + " |")
    lines += _shield_lines(summary)
    return head + "\n".join(lines)


def _shield_lines(summary):
    """Markdown lines of the shield-diagnostics table (methods that recorded ``shields``), or []."""
    with_shields = {m: s["shields"] for m, s in summary.items() if "shields" in s}
    if not with_shields:
        return []
    lines = [
        "",
        (
            "Shield diagnostics at the end of training, per class (mean over seeds; on the boundary: distance "
            "ratio 1-3, shields' own-head p 0.05-0.5, reconstructions' own-head p >= 0.5):"
        ),
        "",
        "| method | class | distance ratio | shields' p | reconstructions' p |",
        "|---|---|---|---|---|",
    ]
    for m, sh in with_shields.items():
        for c in sh["distance_ratio"]:
            lines.append(
                f"| {m} | {c} | {sh['distance_ratio'][c]['mean']:.2f} | {sh['own_head_p'][c]['mean']:.3f} | "
                f"{sh['reconstruction_head_p'][c]['mean']:.3f} |"
            )
    return lines
