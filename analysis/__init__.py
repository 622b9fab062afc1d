"""escapebench analysis: functions over parsed benchmark records.

``stats`` summarises samples and compares them (benchstat's statistics, to the
last bit), ``compare`` groups records into tables of comparisons (benchstat's
projections, plus multiple-testing correction and noise advice), ``cost``
turns an escape/noescape pair into a cost with a bootstrap interval, ``pairs``
and ``table`` render them, ``claims`` judges the article's claims, ``plots``
draws the charts and ``report`` writes them with their tables into a report
directory. Nothing here runs a subprocess; only ``report`` writes files, and
only below the directory it is given.
"""
