"""Render a ``gan-ova benchmark`` (or ``gan-ova merge``) results.json as reStructuredText list-tables.

For docs/benchmarks.rst. Usage::

    python benchmarks/results_to_rst.py results/benchmark/results.json "Digits 0-4, quick budget"

Cells are mean ± std over the seeds; a method with one seed shows its value alone
(the title then says "1 seed, no spread"). A column ``n`` appears when the methods
were run with different numbers of seeds (a merged table).
"""

import json
import sys

# one formatting for the CLI tables and the docs tables
from gan_ova.benchmark import _cell, _seed_counts, _spread_note


def _table(title, header, rows):
    out = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [header] + rows:
        out.append(f"   * - {row[0]}")
        out += [f"     - {c}" for c in row[1:]]
    return "\n".join(out)


def to_rst(results, title):
    cfg, summary = results["config"], results["summary"]
    counts = _seed_counts(results)
    ragged = len(set(counts.values())) > 1
    cols = ["method"] + (["n"] if ragged else []) + ["Acc", "AUROC S/F", "ECE", "OoD AUROC", "AUPR-In", "AUPR-Out", "FPR@95", "fit s"]
    rows = []
    for m, s in summary.items():
        n = counts[m]
        p = s["ood"]["pooled"]
        rows.append(
            [m] + ([str(n)] if ragged else [])
            + [_cell(s["accuracy"], n), _cell(s["fp_auroc"], n), _cell(s["ece"], n), _cell(p["auroc"], n),
               _cell(p["aupr_in"], n), _cell(p["aupr_out"], n), _cell(p["fpr95"], n), f"{s['fit_seconds']['mean']:.1f}"]
        )
    sets = list(cfg["ood_sets"])
    per_set = [[m] + [_cell(s["ood"][k]["auroc"], counts[m]) for k in sets] for m, s in summary.items()]
    head = (
        f"{cfg['n_train']} training images, classes {cfg['in_classes']}, OoD sets {sets}, budget "
        f"``{cfg['budget']}``, seeds {cfg['seeds']}, torch {cfg['torch']}, {cfg['threads']} threads."
    )
    return "\n\n".join(
        [
            head,
            _table(f"{title} ({_spread_note(counts).rstrip('.')}; OoD pooled)", cols, rows),
            _table(f"{title}: OoD AUROC per set (held_out_classes = near OoD)", ["method"] + sets, per_set),
        ]
    )


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(to_rst(json.load(f), sys.argv[2] if len(sys.argv) > 2 else "Results"))
