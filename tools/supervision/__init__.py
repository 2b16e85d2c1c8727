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
    one record as a person reads it: text, HTML and PDF; every record about one
    person (a subject access request).
editing
    one record's form in the web browser (`supervision edit`), writing its YAML.
admin
    a records admin's changes: the retention review and deletion, reassigning
    supervisees to a new supervisor.
demo
    the demo trust and synthetic content.
sealing
    sealed records: free text encrypted to each record's readers.
cli
    the ``supervision`` command, one module per command group.

May import: forms, privacy.
May import lazily: deadlines, signing, sealing.
"""

import functools

__version__ = "0.1.0"


@functools.cache
def code_fingerprint() -> str:
    """Changes whenever this package's code or built-in profiles change: the version,
    Python's, and each file's name, size and time (worked out once per process). The
    store's salts start from it (``cache.code_fingerprint``), and the resident checker's
    socket is named by it. Kept here, with nothing imported at the top, so that a command
    handed to the resident loads only this."""
    import hashlib
    import os
    import sys

    digest = hashlib.sha256(f"{__version__}:{sys.version}".encode())
    package = os.path.dirname(os.path.abspath(__file__))
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "skeleton"))
        for name in sorted(files):
            if name.endswith((".py", ".yml")):
                st = os.stat(os.path.join(folder, name))
                rel = os.path.relpath(os.path.join(folder, name), package)
                digest.update(f"{rel}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()
