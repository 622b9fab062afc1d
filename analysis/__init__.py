"""escapebench analysis: pure functions over parsed benchmark records.

``escape_cost`` is the one estimator of a pair's escape cost (paired rounds,
its interval and test, across runs); ``stats`` summarises and compares samples
the way benchstat does; ``benchproc`` groups records (filters, projections),
``compare`` builds comparison tables and ``gate`` judges them for
``--fail-on``; ``pairs``, ``table`` and ``format`` write numbers for people;
``claims`` judges the article's claims from evidence it is handed; ``plots``
draws the charts and ``report`` lays everything out as Markdown and HTML from
typed blocks. Nothing here runs a subprocess or reads the results tree; only
``report`` writes files, and only below the directory it is given.
"""
