"""The staff site: the MkDocs plugin, blank forms and anonymised reports.

``plugin.py`` is what MkDocs loads; ``forms_pages.py`` draws the blank forms;
``metrics.py`` counts, ``reports.py`` protects and writes the report pages with
``charts.py``; ``signoffs.py`` says when records were signed off.
"""
