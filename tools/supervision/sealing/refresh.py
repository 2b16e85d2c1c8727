"""After the filter opened records, let git settle its index once, not on every command.

git writes a checked-out file and then its index. A file whose time is the index's own
second is *racily clean*: git cannot tell from the time alone that it did not change
since, so every command that compares the working tree with the index without
writing the index (``diff-index``, ``diff-files``: what check and status ask) hashes
it again, through the clean filter. Unsealed that is a quick hash; sealed it starts
the filter process and answers every such record again, each time, until a command
that writes the index (``git status``, ``git add``) runs a second later. After a
fresh checkout of a trust's records that is thousands of records on every check.

The filter leaves a flag (:func:`note`) when it opened records or was asked to clean
records that had not changed; :func:`supervision.signing.settle.settle_index`
(called before check's own questions to git) then runs ``git status`` once, which
refreshes the index and writes it, so the records are no longer racy. Outside a
sealing clone the flag never exists and that costs one ``stat``.
"""

from __future__ import annotations

from pathlib import Path

from supervision.signing.settle import INDEX_FLAG


def note(seal_folder: Path) -> None:
    """The filter's part: the index may now hold racily clean records."""
    try:
        seal_folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (seal_folder / INDEX_FLAG).touch()
    except OSError:
        pass
