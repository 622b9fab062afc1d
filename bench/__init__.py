"""escapebench: measure what Go memory escape costs, verified by the compiler.

The pipeline runs one way: cases -> toolchain -> build -> run -> raw text ->
parse (benchfmt) -> records (model) -> store. Statistics, tables and charts
live in the sibling package ``analysis``, which only consumes records.
"""

__version__ = "0.1.0"
