"""The words both sides of the wall share, written once: units, raw.txt config keys, conditions.

``bench`` (which measures and writes) and ``analysis`` (which reads records)
both import from here; nothing here imports either side. One module per noun:
``units`` (the unit names records carry), ``keys`` (raw.txt config keys),
``condition`` (the settings that must agree before samples pool).
"""
