"""The sealing wing: a record's free text encrypted to exactly its readers.

Owns the envelope (``envelope``: a random data key per record version,
AES-256-GCM from ``cryptography``, bound to the record's path and clear part),
the split of a record into its clear part and its sealed answers, driven by the
form definition (``split``), the stored text of a sealed record (``stored``),
the wrapped data keys in the ``NAME.yaml.readers`` sidecar (``sidecar``), the
readers' keys behind two small interfaces (``keys``: wrapping in process with
pysequoia, unwrapping with the person's own GnuPG), who reads a record
(``readers``), sealing and opening one record (``seal``), the per-clone map that
keeps the clean filter stable (``stablemap``), git's long-running filter process
(``gitfilter``) and the non-reader's view that ``check`` validates (``view``).

Entry points: ``seal.seal_record`` / ``seal.open_record``, ``split.split``,
``stored.parse``, ``gitfilter.serve``, ``view.readable_view``,
``readers.readers_for``.

No cryptographic construction of its own beyond the envelope composition: the
AEAD is ``cryptography``'s AESGCM, the key wrapping a standard OpenPGP message.

May import: core, forms, signing.
"""
