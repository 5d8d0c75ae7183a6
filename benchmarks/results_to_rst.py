"""Render a ``gan-ova benchmark`` results.json as reStructuredText list-tables (for docs/benchmarks.rst).

Usage::

    python benchmarks/results_to_rst.py results/benchmark/results.json "Digits 0-4, quick budget"
"""

import json
import sys


def _cell(stat):
    m, s = stat["mean"], stat["std"]
    if m != m:  # NaN
        return "n/a"
    return f"{100 * m:.2f} ± {100 * s:.2f}"


def _table(title, header, rows):
    out = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [header] + rows:
        out.append(f"   * - {row[0]}")
        out += [f"     - {c}" for c in row[1:]]
    return "\n".join(out)


def to_rst(results, title):
    cfg, summary = results["config"], results["summary"]
    cols = ["method", "Acc", "AUROC S/F", "ECE", "OoD AUROC", "AUPR-In", "AUPR-Out", "FPR@95", "fit s"]
    rows = []
    for m, s in summary.items():
        p = s["ood"]["pooled"]
        rows.append(
            [m, _cell(s["accuracy"]), _cell(s["fp_auroc"]), _cell(s["ece"]), _cell(p["auroc"]), _cell(p["aupr_in"]),
             _cell(p["aupr_out"]), _cell(p["fpr95"]), f"{s['fit_seconds']['mean']:.1f}"]
        )
    sets = list(cfg["ood_sets"])
    per_set = [[m] + [_cell(s["ood"][k]["auroc"]) for k in sets] for m, s in summary.items()]
    head = (
        f"{cfg['n_train']} training images, classes {cfg['in_classes']}, OoD sets {sets}, budget "
        f"``{cfg['budget']}``, seeds {cfg['seeds']}, torch {cfg['torch']}, {cfg['threads']} threads."
    )
    return "\n\n".join(
        [
            head,
            _table(f"{title} (x100, mean ± std over seeds; OoD pooled)", cols, rows),
            _table(f"{title}: OoD AUROC per set (held_out_classes = near OoD)", ["method"] + sets, per_set),
        ]
    )


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(to_rst(json.load(f), sys.argv[2] if len(sys.argv) > 2 else "Results"))
