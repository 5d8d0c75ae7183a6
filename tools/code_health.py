"""Code-health figures for the package: module sizes, longest functions, private cross-module imports.

Run from the repository root::

    python tools/code_health.py            # gan_ova/
    python tools/code_health.py --top 15

"Code lines" exclude blank lines, comments and docstrings. A private
cross-module import is ``from .x import _name`` (or ``from gan_ova.x import
_name``) or ``x._name`` on an imported module inside ``gan_ova/``;
``__version__`` and private *modules* (``from ._validation import check_int``)
do not count.
"""
import argparse
import ast
import io
import os
import tokenize


def code_lines(source, node=None):
    """Line numbers holding code (no blanks, comments or docstrings) in ``source`` or in ``node``."""
    doc_lines = set()
    tree = node if node is not None else ast.parse(source)
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and n.body:
            first = n.body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) and isinstance(first.value.value, str):
                doc_lines.update(range(first.lineno, first.end_lineno + 1))
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        for ln in range(tok.start[0], tok.end[0] + 1):
            lines.add(ln)
    lo, hi = (node.lineno, node.end_lineno) if node is not None else (1, source.count("\n") + 1)
    return {ln for ln in lines if lo <= ln <= hi} - doc_lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="gan_ova")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    files = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(args.root) for f in fs if f.endswith(".py")
    )
    sizes, funcs, private = [], [], []
    for path in files:
        src = open(path, encoding="utf-8").read()
        tree = ast.parse(src)
        sizes.append((src.count("\n"), len(code_lines(src)), path))
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = set()
                for m in ast.walk(n):
                    if m is not n and isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        inner |= set(range(m.lineno, m.end_lineno + 1))
                funcs.append((len(code_lines(src, n) - inner), f"{path}:{n.lineno} {n.name}"))
            if isinstance(n, ast.ImportFrom) and (n.level > 0 or (n.module or "").startswith("gan_ova")):
                for a in n.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        private.append(f"{path}:{n.lineno} from {'.' * n.level}{n.module or ''} import {a.name}")
        imported_modules = {
            (a.asname or a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0
            for a in n.names if not a.name[:1].isupper()
        }
        for n in ast.walk(tree):
            if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in imported_modules
                    and n.attr.startswith("_") and not n.attr.startswith("__")):
                private.append(f"{path}:{n.lineno} {n.value.id}.{n.attr}")
    print(f"modules: {len(files)}, lines: {sum(s[0] for s in sizes)}, code lines: {sum(s[1] for s in sizes)}")
    print("largest modules (lines, code lines):")
    for total, code, path in sorted(sizes, reverse=True)[: args.top]:
        print(f"  {total:5d} {code:5d}  {path}")
    print(f"longest functions (code lines; > 50: {sum(1 for c, _ in funcs if c > 50)}):")
    for count, where in sorted(funcs, reverse=True)[: args.top]:
        print(f"  {count:4d}  {where}")
    print(f"private cross-module imports: {len(private)}")
    for line in private:
        print(f"  {line}")


if __name__ == "__main__":
    main()
