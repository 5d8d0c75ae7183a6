"""Sphinx configuration of the gan_ova documentation.

Build (warnings are errors in CI)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Needs the package installed (``pip install -e .``) plus
``sphinx``, ``numpydoc`` and ``furo``.
"""

import os
import sys

# The package is normally installed (editable); this also lets the docs build
# from a plain checkout.
sys.path.insert(0, os.path.abspath(".."))

import gan_ova  # noqa: E402

# -- project ------------------------------------------------------------------
project = "gan_ova"
author = "gan_ova developers"
copyright = "gan_ova developers"  # noqa: A001
release = gan_ova.__version__
version = ".".join(release.split(".")[:2])

# -- general ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = []
root_doc = "index"
nitpicky = False
default_role = None
pygments_style = "sphinx"

# -- autodoc / autosummary / numpydoc -----------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # types are given in the numpydoc sections
autodoc_default_options = {}
# Overrides without a docstring (e.g. of skorch methods) stay undocumented instead
# of inheriting third-party docstrings.
autodoc_inherit_docstrings = False
autosummary_generate = False  # the API pages are written by hand; nothing is generated

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = {"PR01", "PR02", "RT01"}

# -- HTML ---------------------------------------------------------------------
html_theme = "furo"
html_title = f"gan_ova {release}"
# Only use _static/ when it exists (Sphinx warns about a missing static path).
html_static_path = ["_static"] if os.path.isdir(os.path.join(os.path.dirname(__file__), "_static")) else []
html_show_sourcelink = False
