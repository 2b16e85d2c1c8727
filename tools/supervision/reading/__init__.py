"""The reading wing: a record as a person reads it, on screen, in a browser or on paper.

Owns the format-neutral *document* of one record (``model``: sections, answers,
bullet lists, tables, numbered items and the sign-off block), built from the
record's form, its answers and the people and schools the repository knows
(``document``), in the form's order with the form's labels; the words every
format shares (``words``: dates such as "Monday 16 November 2026", people as
"Name (id)", yes/no); the sign-off block from what ``supervision verify``
works out, or from git when the record is not committed or the repository does
not sign yet (``signoffs``); opening one record of a repository (``record``);
and the three renderings of a document: plain text wrapped for a terminal
(``text``), one self-contained, print-friendly HTML file (``html``) and a PDF
drawn with fpdf2's built-in fonts (``pdf``).

Entry points: ``record.read`` (repository + path -> ``model.Document``),
``document.build``, ``text.render``, ``html.render``, ``pdf.render``,
``subject_access.collect``.

It also gathers everything the records hold about one person for a subject access
request (``subject_access``): which records name them and whether each is theirs in
full or in part (``partial``: a group record's written answers are about everyone in
it), and the export's index page and JSON copy (``export_index``).

Nothing here writes into a repository, shows YAML syntax or the form's guidance,
or reaches another server; ``supervision show`` and ``supervision export`` use it.

May import: core, forms, signing, sealing (a sealed record opened for a reader, or
its clear part for anyone else).
"""
