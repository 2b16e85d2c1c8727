"""Who has signed a record, and when, as the time rules and the reports see it.

The time rules (:mod:`supervision.deadlines.time_rules`) and ``supervision status`` never
ask git or gpg directly; they ask a :class:`SignoffSource`:

* ``signoffs(path)``: the sign-offs of a record, each ``(role, person, date)``;
* ``first_committed(path)``: the day the record first entered the history
  (None while it is only in the working folder);
* ``sees(form, role)``: whether this source can see that role's sign-off on
  that kind of record. A rule about a sign-off the source cannot see stays
  silent rather than guessing.

:class:`CommitDateSignoffs` is the implementation used until verified sign-offs
exist: committing a record counts as its first signer's sign-off (the
supervisor sending a session record or a contract, the supervisee sending case
notes, the reviewer a QA review), dated with the commit date; the other
signer's sign-off is unknown. For a session, only a commit on or after the
session's date counts (an earlier commit was the booking of a planned session).

:class:`VerifiedSignoffs` is used once the repository signs (``admins`` set in
supervision.yml): the sign-offs ``supervision verify`` accepts (GPG-signed
commits by the registered key of the person in that role), each dated with its
first good sign-off (deadlines count from it) and marked ``current`` when that
role's latest sign-off is of the record as it is now (a record changed since
awaits its signers again). ``sees`` is true for every signer. The verifier's
result is remembered per HEAD commit, so a warm ``check`` does not verify again.
A repository that is not signing yet, a shallow clone or a folder without git
falls back to commit dates.

A record that is in the working folder but not committed yet counts, for the
deadline rules, as being sent today: the commit that the pre-commit hook is
checking is the one that sends it.

The staff site's reports take the same dates as plain data, :data:`SignOffs`
(record path -> list of (role, date)), from :func:`collect`: the day each record
was first committed (role ``recorded``) and, when the repository signs, the
first verified sign-off of each role. Reports prefer a role's verified sign-off
and fall back to the commit date (:func:`signed_on`).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from typing import Any, NamedTuple, Protocol

from supervision.signing.commit_dates import RecordHistory
from supervision.signing.signoff import signers_of


class Signoff(NamedTuple):
    """One role's sign-off (a tuple: tens of thousands are made per run, cheaply)."""

    role: str
    person: str | None
    date: dt.date
    current: bool = True  # this role has signed the record as it is now


#: Something verify says a person must act on that is not about one record's dates:
#: (person, message, hint), e.g. a new key registered for them to confirm.
Notice = tuple[str, str, str]


class SignoffSource(Protocol):
    #: True when sign-offs are verified signatures, False when they are commit dates.
    from_signatures: bool
    #: What verify asks of particular people (see :data:`Notice`).
    notices: list[Notice]

    def sees(self, form: str, role: str) -> bool: ...

    def signoffs(self, path: str) -> list[Signoff]: ...

    def first_committed(self, path: str) -> dt.date | None: ...


def person_in_role(facts: dict[str, Any], role: str) -> str | None:
    if role == "supervisee":
        people = facts.get("supervisees") or []
        return people[0] if len(people) == 1 else None
    value = facts.get(role)
    return value if isinstance(value, str) else None


class CommitDateSignoffs:
    """Sign-offs read from commit dates: the first signer's only (see module doc)."""

    from_signatures = False

    def __init__(self, history: RecordHistory, facts: dict[str, dict[str, Any]]) -> None:
        self.history = history
        self.facts = facts
        self.notices: list[Notice] = []

    def first_committed(self, path: str) -> dt.date | None:
        return self.history.first_committed(path)

    def signoffs(self, path: str) -> list[Signoff]:
        facts = self.facts.get(path)
        if facts is None:
            return []
        roles = signers_of(facts.get("form", ""))
        if not roles or facts.get("status") in ("planned", "cancelled"):
            return []
        day = self.history.first_committed(path)
        if facts.get("kind") == "session" and isinstance(facts.get("date"), str):
            try:
                held = dt.date.fromisoformat(facts["date"])
            except ValueError:
                held = None
            if held is not None:
                day = self.history.committed_since(path, held)
        if day is None:
            return []
        return [Signoff(roles[0], person_in_role(facts, roles[0]), day)]

    def sees(self, form: str, role: str) -> bool:
        roles = signers_of(form)
        return bool(roles) and roles[0] == role


class VerifiedSignoffs:
    """Sign-offs verified against the repository's own keys (see module doc)."""

    from_signatures = True

    def __init__(self, history: Callable[[], RecordHistory],
                 verified: Mapping[str, list[Signoff]]) -> None:
        self._read_history = history
        self.verified = verified
        self.notices: list[Notice] = list(getattr(verified, "notices", []))

    @cached_property
    def history(self) -> RecordHistory:
        """Read only when a rule asks when a record was first committed."""
        return self._read_history()

    def first_committed(self, path: str) -> dt.date | None:
        return self.history.first_committed(path)

    def signoffs(self, path: str) -> list[Signoff]:
        return self.verified.get(path, [])

    def sees(self, form: str, role: str) -> bool:
        return role in signers_of(form)


class _StoredSignoffs(Mapping[str, list[Signoff]]):
    """Remembered sign-offs, turned into :class:`Signoff` rows only when asked for:
    checking one record of a large trust reads a handful of its 20,000 paths, each row
    read from the store when first asked for."""

    def __init__(self, rows: dict[str, list[list[Any]]] | None,
                 notices: list[Notice] | None = None, cache: Any = None,
                 head: str = "") -> None:
        self.rows = rows
        self.cache = cache
        self.head = head
        self.made: dict[str, list[Signoff]] = {}
        self.fetched: dict[str, list[list[Any]] | None] = {}
        self.notices: list[Notice] = list(notices or [])

    def _raw(self, path: str) -> list[list[Any]] | None:
        if self.rows is not None:
            return self.rows.get(path)
        if path in self.fetched:
            return self.fetched[path]
        return self.cache.get(path, self.head) if not path.startswith("#") else None

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read the rows of these paths in a few queries, not one each (the rules then
        ask about them one by one)."""
        if self.rows is not None or self.cache is None:
            return
        wanted = [p for p in paths if not p.startswith("#") and p not in self.fetched]
        found = self.cache.get_many(wanted, dict.fromkeys(wanted, self.head))
        for path in wanted:
            self.fetched[path] = found.get(path)

    def __getitem__(self, path: str) -> list[Signoff]:
        made = self.made.get(path)
        if made is None:
            raw = self._raw(path)
            if raw is None:
                raise KeyError(path)
            made = [Signoff(r, who, dt.date.fromisoformat(d), c) for r, who, d, c in raw]
            self.made[path] = made
        return made

    def _keys(self) -> list[str]:
        if self.rows is not None:
            return list(self.rows)
        return [k for k, stamp in self.cache.stamps().items()
                if stamp == self.head and not k.startswith("#")]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


def verified_signoffs(repo: Any, use_cache: bool = True,
                      alongside: bool = False) -> Mapping[str, list[Signoff]] | None:
    """Per record path, its verified sign-offs; None when the repository does not sign.

    Remembered in the store (namespace ``signoffs``) for the commit at HEAD, one row per
    record, so a later check or status reads only the records it looks at.
    ``alongside``: verified beside a cold check reading the records, which keeps the
    other core busy: then no helper process checks signatures ahead (it would gain
    nothing there, and its memory would count on top of the check's)."""
    if repo.config is None or not repo.config.admins:
        return None
    from supervision.cache import Cache
    from supervision.signing.gitio import Git, GitError
    from supervision.signing.signoff import results_salt

    git = Git(repo.root)
    try:
        head = git.whole_head()  # one git run: no history, no head or shallow -> None
    except (GitError, OSError):
        return None
    if head is None:
        return None
    cache = Cache(repo.root, "signoffs", results_salt(repo)) if use_cache else None
    if cache is not None and cache.get("#head", head) == head:
        # What a check of one record usually finds: the verifier is not even imported.
        return _StoredSignoffs(None, [tuple(n) for n in cache.get("#notices", head) or []],
                               cache, head)
    from supervision.signing.analysis import NotAGitRepository
    from supervision.signing.verify import AHEAD_FROM, Verifier

    try:
        analysis = Verifier(repo, git, use_cache=use_cache,
                            ahead_from=sys.maxsize if alongside else AHEAD_FROM).run()
    except (GitError, NotAGitRepository, OSError):
        return None
    if analysis.shallow:
        return None
    found: dict[str, list[Signoff]] = {}
    for record in analysis.records:
        latest = {ref.role: ref for ref in record.signoffs}
        rows = []
        for role, first in record.first_signed.items():
            now = latest.get(role)
            rows.append(Signoff(role, first.person,
                                dt.datetime.fromtimestamp(first.time).date(),
                                now is not None and now.blob == record.blob))
        if rows:
            found[record.path] = rows
    notices: list[Notice] = [
        (f.person, f.problem.message, f.problem.hint) for f in analysis.findings
        if f.problem.rule == "KEY-NEW-UNCONFIRMED" and f.person]
    rows_json = {p: [[s.role, s.person, s.date.isoformat(), s.current] for s in rows]
                 for p, rows in found.items()}
    if cache is not None:
        cache.clear()
        for path, rows_of in rows_json.items():
            cache.put(path, head, rows_of)
        cache.put("#notices", head, [list(n) for n in notices])
        cache.put("#head", head, head)
        cache.save()
        cache.close()
    return _StoredSignoffs(rows_json, notices)


def signoff_source(repo: Any, facts: dict[str, dict[str, Any]],
                   use_cache: bool = True) -> SignoffSource:
    """Verified sign-offs when the repository signs, else commit dates."""
    from supervision.signing.commit_dates import read_history

    verified = verified_signoffs(repo, use_cache)
    if isinstance(verified, _StoredSignoffs):
        verified.prefetch(facts)
    if verified is not None:
        return VerifiedSignoffs(lambda: read_history(repo.root, use_cache), verified)
    return CommitDateSignoffs(read_history(repo.root, use_cache), facts)


# -- the staff site's reports ---------------------------------------------------------
SignOffs = Mapping[str, list[tuple[str, dt.date]]]

RECORDED = "recorded"


def collect(repo: Any) -> tuple[SignOffs | None, str]:
    """Sign-off dates for the reports and a sentence saying where they came from."""
    from supervision.signing.commit_dates import read_history

    history = read_history(repo.root)
    if history.head is None:
        return None, ("Sign-off dates are not available: this folder has no git history, so "
                      "the sign-off table is left out.")
    out: dict[str, list[tuple[str, dt.date]]] = {
        path: [(RECORDED, dt.date.fromisoformat(days[0]))]
        for path, days in history.days.items() if days}
    verified = verified_signoffs(repo)
    if verified is None:
        return out, ("This repository does not sign records yet, so a record counts as written "
                     "up on the day it was first committed.")
    if isinstance(verified, _StoredSignoffs):
        verified.prefetch(verified)  # every row is wanted: a few queries, not one each
    for path, rows in verified.items():
        out.setdefault(path, []).extend((s.role, s.date) for s in rows)
    return out, ("Sign-off dates are the first verified signature of each signer (checked "
                 "against the keys registered in this repository); a record nobody has "
                 "signed yet counts from the day it was first committed.")


def signed_on(signoffs: SignOffs, path: str, role: str = "supervisor") -> dt.date | None:
    """The date ``role`` signed ``path``, else the date it was recorded, else None."""
    entries = signoffs.get(path) or []
    for wanted in (role, RECORDED):
        dates = [day for who, day in entries if who == wanted]
        if dates:
            return min(dates)
    return None
