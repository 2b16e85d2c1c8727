"""Signatures and signed versions worked out a slice ahead, in a forked process.

Two parts of a cold verify depend only on bytes the judging process can read before
it judges a slice: the cryptographic check of each commit's signature (Sequoia,
about a third of the work), which depends on the signed payload, the signature and
the certificate it is checked against; and the facts of each record version a
sign-off names (who signs it, in which roles), which depend on the version's bytes
and the repository's settings. Which certificate counts depends on the line judged
so far, which only the judging process knows; but keys change rarely, so it can be
guessed a slice ahead: the one holding the signature's issuer key in the trust state
judged last, or else in the trust state of the newest commit verified. :class:`Ahead`
hands a slice's signed commits and new versions to a forked process while this
process judges the slice before.

A signature's answer is only ever used for exactly the same three byte strings:
:meth:`supervision.signing.openpgp.Keyring.verify` looks it up by the payload, the
signature and the digest of the certificate it would itself check against. A wrong
guess costs one check done here, never a different verdict. A version's facts are
worked out from the bytes this process read under that blob id, by the same function
(:func:`supervision.signing.signoff.record_facts`), as check's are shared by blob id.
The helper is forked with ``os.fork`` (verify may itself run in a daemonic helper of
``check``, which may not start multiprocessing children) and answers over a pipe, one
slice at a time (so neither side ever waits on the other with a full pipe); if it
fails in any way, everything is worked out here, as without it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from multiprocessing.connection import Connection, Pipe
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supervision.repo import RecordsRepo
    from supervision.signing.gitio import RawCommit
    from supervision.signing.openpgp import Keyring

#: The memo handed to ``Keyring.verify``: (payload, signature, certificate digest) ->
#: whether Sequoia found a valid signature.
Known = dict[tuple[bytes, bytes, bytes], bool]
#: Versions to work out: blob id -> (the path a sign-off names it at, its bytes).
Versions = dict[str, tuple[str, bytes]]


def _serve(conn: Connection, repo: RecordsRepo) -> None:  # pragma: no cover (the helper)
    import pysequoia

    from supervision.signing.openpgp import Keyring, read_signature, sequoia_valid
    from supervision.signing.signoff import record_facts

    certs: dict[bytes, Any] = {}
    keyrings_made: dict[tuple[bytes, ...], Keyring] = {}  # each guessed state read once
    places: dict[int, Any] = {}
    while True:
        batch = conn.recv()
        if batch is None:
            return
        items, rings, new_certs, versions = batch
        for digest, raw in new_certs.items():
            certs[digest] = pysequoia.Cert.from_bytes(raw)
        keyrings = []
        for ring in map(tuple, rings):
            if ring not in keyrings_made:
                keyrings_made[ring] = Keyring(certs[d] for d in ring)
            keyrings.append(keyrings_made[ring])
        answers: list[tuple[bytes, bool]] = []
        for payload, signature in items:
            answer = (b"", False)
            with contextlib.suppress(Exception):  # unreadable: judged where it counts
                sig = read_signature(signature)
                issuer = sig.issuer_fingerprint or sig.issuer_key_id or ""
                for keyring in keyrings:
                    cert = keyring.holder(issuer)
                    if cert is not None:
                        answer = (keyring.digest(cert), sequoia_valid(payload, sig, cert))
                        break
            answers.append(answer)
        facts = {blob: record_facts(repo, data, path, places).as_json()
                 for blob, (path, data) in versions.items()}
        conn.send((answers, facts))


class Ahead:
    """The forked helper, and the slice handed to it that has not been answered."""

    def __init__(self, repo: RecordsRepo) -> None:
        self.repo = repo
        self._conn: Connection | None = None
        self._pid = 0
        self._sent: set[bytes] = set()
        self._items: list[tuple[bytes, bytes]] | None = None

    def start(self) -> bool:
        """Fork the helper; False (nothing started) where that cannot be done."""
        try:
            mine, theirs = Pipe()
            pid = os.fork()
        except (OSError, ValueError):
            return False
        if pid == 0:  # pragma: no cover (the helper)
            code = 0
            try:
                mine.close()
                _serve(theirs, self.repo)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self._conn, self._pid = mine, pid
        return True

    def send(self, commits: Sequence[RawCommit], keyrings: Sequence[Keyring],
             versions: Versions) -> None:
        """A slice's signed commits, to be checked against the first of ``keyrings``
        that holds each one's issuer key, and record versions whose facts to work out.
        The answer of the slice sent before must have been taken (:meth:`known`)."""
        assert self._items is None, "the slice sent before was not answered"
        items = [(rc.payload, rc.signature) for rc in commits
                 if rc.signature is not None and rc.malformed is None]
        rings: list[list[bytes]] = []
        new_certs: dict[bytes, bytes] = {}
        for keyring in keyrings:
            ring = []
            for cert in keyring.certs.values():
                digest = keyring.digest(cert)
                ring.append(digest)
                if digest not in self._sent:
                    self._sent.add(digest)
                    new_certs[digest] = bytes(cert)
            rings.append(ring)
        self._items = items
        if self._conn is None:
            return
        try:
            self._conn.send((items, rings, new_certs, versions))
        except (OSError, ValueError):
            self.close()

    def known(self) -> tuple[Known, dict[str, list[Any]]]:
        """The answers for the slice sent last (its signatures, and its versions' facts
        as ``RecordFacts.as_json`` gives them): empty when the helper failed."""
        items, self._items = self._items or [], None
        if self._conn is None:
            return {}, {}
        try:
            answers, facts = self._conn.recv()
        except (OSError, EOFError, ValueError, TypeError):
            self.close()
            return {}, {}
        if not isinstance(answers, list) or len(answers) != len(items) or \
                not isinstance(facts, dict):
            self.close()
            return {}, {}
        return {(payload, signature, digest): valid
                for (payload, signature), (digest, valid) in zip(items, answers, strict=True)
                if digest}, facts

    def close(self) -> None:
        """End the helper and wait for it."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
            conn.close()
        if self._pid:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(self._pid, 0)
            self._pid = 0
