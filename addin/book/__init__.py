"""The whole book simulated together: facilities that share one thin secondary market.

``book`` reads a book of facilities; ``engine`` simulates it path by path on the path engine
of :mod:`addin.sim`, with cross-default and a shared fire-sale market; ``run`` spreads the
paths over Dask workers; ``report`` writes the book report workbook. The Excel layer never
imports it (Dask): Excel users open the report.
"""
