"""The signing wing: git, OpenPGP keys, dual sign-off, verification and the server gate.

Owns git access (``gitio``: bulk reads and ``git commit -S``), in-process
certificate and signature checks (``openpgp``, pysequoia), the person's own
GnuPG keyring (``keyring``, python-gnupg), who may sign at a point in history
(``trust``), sign-off commit trailers and who a record says must sign it
(``signoff``), the one-pass history verifier and record statuses (``verify``,
with its result types in ``analysis``, its pass over the commits not stored in
``line_pass`` and each commit judged by ``judge``, the signatures and signed versions
of the slice ahead worked out in a forked helper by ``ahead``), one record's audit trail for
``supervision history`` (``history``), the days each record was committed
(``commit_dates``), which records differ from what the store last matched
(``worktree``, its first git question started early by ``head_start``, git's index
settled once when it may be racy by ``settle``), sign-off dates as the time rules
and reports see them (``signoff_dates``) and the pre-receive gate on the git server
(``gate``).

Entry points: ``verify.Verifier``, ``history.record_history``,
``signoff_dates.signoff_source`` / ``signoff_dates.collect``,
``commit_dates.read_history``, ``gate.Gate``.

GnuPG is reached only through ``keyring`` and ``git commit -S``; verification
never uses a GnuPG keyring or its trust database.

May import: core, forms.
"""
