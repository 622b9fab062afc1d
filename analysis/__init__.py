"""escapebench analysis: pure functions over parsed benchmark records.

``stats`` summarises samples and compares them (benchstat's statistics, to the
last bit), ``compare`` groups records into tables of comparisons (benchstat's
projections, plus multiple-testing correction and noise advice), ``cost``
turns an escape/noescape pair into a cost with a bootstrap interval, and
``table`` renders comparisons as text, csv, json or markdown. Nothing here
runs a subprocess or writes a file; callers read inputs and write outputs.
"""
