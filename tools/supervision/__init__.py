"""Safeguarding supervision records: forms, policy checks, dual sign-off and a staff site.

The package is one small core beside its wings (sub-packages, one per domain;
each ``__init__.py`` says what it owns and which others it may import, and
``tests/test_layout.py`` holds them to it):

core (the modules directly here)
    ``problems`` (``Problem``: every finding), ``rules`` (the table of rule ids,
    severities and hints), ``reporters`` (text and JSON output), ``config``
    (supervision.yml and people.yml), ``repo`` (``RecordsRepo``: root, settings,
    profiles, file listing), ``cache`` (caches in ``.git/supervision``) and
    ``checker`` (``supervision check``: records, worker processes, the
    cross-record rules hook).
forms
    profiles and forms, reading, validating, summarising and writing one record.
privacy
    the anonymisation guard.
deadlines
    the school calendar, the time rules, status and planning.
signing
    git, keys, sign-off, verification, the audit trail and the server gate.
site
    the staff site and its disclosure control.
reading
    one record as a person reads it: text, HTML and PDF.
editing
    one record's form in the web browser (`supervision edit`), writing its YAML.
demo
    the demo trust and synthetic content.
cli
    the ``supervision`` command, one module per command group.

May import: forms, privacy.
May import lazily: deadlines, signing.
"""

__version__ = "0.1.0"
