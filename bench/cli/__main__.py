"""``python -m bench.cli``: the same as the ``bench`` console script."""

from bench.cli import entrypoint

entrypoint()
