"""The site wing: the staff site's MkDocs plugin, blank forms and anonymised reports.

``plugin`` is what MkDocs loads (generated pages, noindex, no inline scripts);
``forms_pages`` draws the printable blank forms from the profiles; ``metrics``
counts records per school and half term from their facts, and ``compliance``
adds the counts of the compliance summary; ``grouping`` sums schools into
clusters or phases (or the whole trust); ``disclosure`` is the statistical
disclosure control (pure functions over count tables); ``shares`` publishes a
count with its base, and ``tables`` everything else, as Markdown; ``reports`` and
``sections`` write the report pages, with static SVG ``charts``.
Sign-off dates come from the signing wing (``signoff_dates.collect``).

Entry points: ``plugin.SupervisionPlugin`` (the ``supervision`` MkDocs plugin),
``reports.build`` / ``reports.publish``, ``disclosure.protect``.

No free text of any record reaches the site.

May import: core, forms, deadlines, signing.
"""
