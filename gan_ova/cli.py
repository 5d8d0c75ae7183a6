"""Command line: ``gan-ova benchmark`` and ``gan-ova merge`` (also ``python -m gan_ova ...``)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _csv(text):
    return [t.strip() for t in text.split(",") if t.strip()]


def _seeds(text):
    try:
        if "-" in text and "," not in text:
            lo, hi = text.split("-")
            return list(range(int(lo), int(hi) + 1))
        return [int(t) for t in _csv(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds: expected e.g. '0,1,2' or '0-4', got {text!r}") from None


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends ``(default: ...)`` to every option with a default, unless its help already states it."""

    def _get_help_string(self, action):
        help_text = action.help or ""
        if "default" in help_text or action.default in (None, False, argparse.SUPPRESS):
            return help_text
        return super()._get_help_string(action)


def build_parser():
    """The ``gan-ova`` argument parser, with the ``benchmark`` and ``merge`` commands.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(prog="gan-ova", description="gan_ova: UQGAN uncertainty for image classifiers.")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_benchmark_command(sub)
    _add_merge_command(sub)
    return parser


def _add_benchmark_command(sub):
    from .benchmark import BUDGET_NAMES, METHODS

    b = sub.add_parser(
        "benchmark",
        help="fit UQGAN and its baselines over several seeds and print the paper-style table",
        description="Fit every method on the in-distribution classes, evaluate accuracy, calibration, "
        "misclassification and OoD detection (x100, mean ± std over seeds). With no arguments: the "
        "digits protocol (0-4 in; 5-9, rendered letters and noise out), 3 seeds, quick budget. A long "
        "table can be run in parts (--methods, --seeds, one --output each) and combined with 'gan-ova merge'.",
        formatter_class=_HelpFormatter,
    )
    b.add_argument(
        "--dataset", default="digits", choices=["digits", "fashion_mnist", "fashion-mnist", "mnist"], help="benchmark protocol"
    )
    b.add_argument("--in-classes", default="0-4", help="in-distribution classes, e.g. '0-4'")
    b.add_argument("--ood", type=_csv, default=None, help="comma-separated OoD sets (default: all for the dataset)")
    b.add_argument("--methods", type=_csv, default=None, help=f"comma-separated, from {','.join(METHODS)} (default: all)")
    b.add_argument("--seeds", type=_seeds, default=[0, 1, 2], help="e.g. '0,1,2' or '0-4' (default: 0,1,2)")
    b.add_argument(
        "--budget",
        default="quick",
        choices=list(BUDGET_NAMES),
        help="named training budget per dataset (gan_ova.benchmark.BUDGETS); 'standard' is meant for the full "
        "training split (no --n-train)",
    )
    b.add_argument("--device", default="cpu", help="'cpu', 'cuda' or 'cuda:N'")
    b.add_argument(
        "--root",
        default=None,
        help="data root for torchvision-style data sets (default: none; Fashion-MNIST is then read from the "
        "Debian package dataset-fashion-mnist)",
    )
    b.add_argument(
        "--n-train", type=int, default=None, help="use a stratified subset of this many training images (default: all)"
    )
    b.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="METHOD.PARAM=VALUE",
        help="change one constructor argument of one method, e.g. --set uqgan.shield_residuals=true; METHOD may be "
        "a pattern ('uqgan*'); VALUE is read as JSON when it parses (numbers, true/false, null, lists), else as "
        "text; repeat for several; recorded in results.json (config.params) (default: none, the methods' "
        "benchmark settings)",
    )
    b.add_argument("--output", default="results/benchmark", help="folder for results.json and results.md")
    b.add_argument("--quiet", action="store_true", help="no progress lines (default: one line per fit on stderr)")


def _add_merge_command(sub):
    m = sub.add_parser(
        "merge",
        help="combine benchmark results run in parts (per method / per seed) into one table",
        description="Read the results.json of every part, check that the parts share the protocol (dataset, "
        "in-distribution classes, OoD sets, budget, n_train) and that no (method, seed) pair is in two parts, "
        "recompute mean ± std per method, print the table and write results.json and results.md as one run "
        "over all the methods and seeds would. Example: gan-ova merge results/std/* --output results/std/merged "
        "(the output folder itself is skipped if the pattern matches it).",
        formatter_class=_HelpFormatter,
    )
    m.add_argument("parts", nargs="+", metavar="PART", help="result folders (or their results.json) of gan-ova benchmark")
    m.add_argument("--output", default="results/merged", help="folder for the merged results.json and results.md")
    m.add_argument("--methods", default=None, help="comma-separated methods to keep from the parts (default: all); "
                   "lets a part hold an older run of a method that another part reruns with new parameters")


def _benchmark(args):
    from .benchmark import parse_overrides, run_benchmark

    return run_benchmark(
        dataset=args.dataset,
        in_classes=args.in_classes,
        ood=args.ood,
        methods=args.methods,
        seeds=args.seeds,
        budget=args.budget,
        device=args.device,
        root=args.root,
        n_train=args.n_train,
        output=args.output,
        verbose=0 if args.quiet else 1,
        overrides=parse_overrides(args.overrides, args.methods),
    )


def _merge(args):
    import warnings

    from .benchmark import merge_results

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        results = merge_results(args.parts, output=args.output, methods=args.methods)
    for w in caught:
        print(f"gan-ova merge: {w.message}", file=sys.stderr)
    return results


def main(argv=None):
    """Entry point of the ``gan-ova`` console script.

    Runs ``gan-ova benchmark`` or ``gan-ova merge``, prints the results table
    and where the results were written.

    Parameters
    ----------
    argv : list of str or None, default=None
        The command-line arguments without the program name; None reads
        ``sys.argv[1:]``.

    Returns
    -------
    status : int
        The exit status: 0 on success, 2 when the benchmark or merge rejects
        its input (``ValueError``, ``FileNotFoundError``; the message goes to
        stderr). Invalid arguments exit through ``argparse`` (status 2).
    """
    args = build_parser().parse_args(argv)
    from .benchmark import format_table

    try:
        results = _benchmark(args) if args.command == "benchmark" else _merge(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"gan-ova {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(format_table(results))
    if args.output:
        print(f"\nwrote {args.output}/results.json and {args.output}/results.md")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
