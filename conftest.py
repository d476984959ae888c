"""Thin: in-repo runs get the plugin through the installed `pytest11` entry point.

`pip install -e .` (what `make` does) registers `conformance.plugin`; listing it here too
lets a bare checkout on PYTHONPATH work without installation.
"""

pytest_plugins = ["conformance.plugin"]
