"""Along the line, what the records' own history decides: who may sign, who may change.

:mod:`supervision.signing.verify` judges each commit on its own (signature, trust,
trailers) and caches that. This second walk, every run and cheap, follows each
record through the line and decides what depends on the records themselves:

* **who may sign comes from the record being signed and the line so far**: a
  one-to-one session and case notes are signed by the supervisor and supervisee of
  the agreed contract in force for the supervisee on the record's date; a group
  session by its facilitator, who holds a supervisor role at that school or the
  trust; a QA review by a QA reviewer who is not the supervisee's supervisor; a
  contract by the two people it names (the people fields of a signed contract change
  only with an admin); nobody signs a session still marked planned (it is signed once
  it has been held and recorded);
* **changes by people who are not a record's signers**: once anyone has signed a
  record, a commit changing, renaming or deleting it must be signed by one of its
  signers or a records admin; its people may change only with an earlier signer
  (for a contract, an admin); deleting or renaming an agreed record needs an admin
  and a ``Supervision-Reason``; a deleted agreed record stays listed as ``deleted``;
* **new keys for people who had one** are a warning to that person until they
  confirm it with an older key, or admins other than the one who registered it
  reach ``admins_required``;
* each record's **status** at the verified commit (a planned or cancelled session is
  ``planned`` / ``cancelled``, whatever was signed: there is nothing to sign).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from supervision.problems import ERROR, WARNING
from supervision.repo import RECORD_DIRS
from supervision.rules import problem
from supervision.signing.analysis import Analysis, Entry, Finding, RecordStatus, SignoffRef, iso
from supervision.signing.signoff import RecordFacts, is_record_path
from supervision.signing.trust import PEOPLE_FILE, TrustState, short

if TYPE_CHECKING:
    from supervision.signing.verify import Verifier

#: Roles in people.yml that may facilitate a group session.
SUPERVISOR_ROLES = frozenset({"supervisor", "external-supervisor"})
QA_ROLE = "qa-reviewer"
#: Roles in people.yml of the people a disagreement can be escalated to (the profiles'
#: escalation steps), and of who assesses the policy each year.
ESCALATION_ROLES = frozenset({"headteacher", "deputy-ceo", "ceo"})
ASSESSOR_ROLE = "trust-lead"
#: Forms whose signers come from the contract in force for their supervisee.
BY_CONTRACT = ("session", "case-notes")
#: Forms with a status: a planned or cancelled session is not signed (its record
#: status says which it is).
SESSION_FORMS = ("session", "group-session")
UNSIGNED_STATUSES = ("planned", "cancelled")


@dataclass
class Track:
    """One record path followed along the line."""

    blob: str | None = None
    signers: tuple[str, ...] = ()
    signed: dict[str, SignoffRef] = field(default_factory=dict)
    first: dict[str, SignoffRef] = field(default_factory=dict)
    people: set[str] = field(default_factory=set)  # everyone whose sign-off of it counted
    changed: tuple[int, str, Entry] | None = None
    #: changes by commits that may not change it: (index on the line, entry, rule)
    interlopers: list[tuple[int, Entry, str]] = field(default_factory=list)
    deleted: dict[str, Any] | None = None

    def agreed(self) -> bool:
        return bool(self.signers) and self.blob is not None and all(
            r in self.signed and self.signed[r].blob == self.blob for r in self.signers)

    def inherit(self, other: Track) -> None:
        self.signers, self.signed, self.first = other.signers, dict(other.signed), dict(
            other.first)
        self.people = set(other.people)


@dataclass(frozen=True)
class InForce:
    """The agreed version of one contract: who supervises whom from when."""

    path: str
    supervisee: str | None
    supervisor: str | None
    date: str | None


@dataclass
class _NewKey:
    fingerprint: str
    person: str
    change: str  # the trust change that registered it
    proposer: str  # the admin who made that change
    required: int
    commit: str  # where it came to count
    confirmed: bool = False


class Ledger:
    def __init__(self, verifier: Verifier, analysis: Analysis) -> None:
        self.v = verifier
        self.a = analysis
        self.tracks: dict[str, Track] = {}
        self.contracts: dict[str, InForce] = {}
        #: supervisee -> {contract path: its agreed version}
        self.by_supervisee: dict[str | None, dict[str, InForce]] = {}
        self.new_keys: dict[str, _NewKey] = {}
        self.approvals: dict[str, set[str]] = {}
        #: per sign-off commit: whether it counted (for `supervision history`)
        self.counted: dict[str, bool] = {}
        #: record path -> changes to its readers file that did not count: (index, entry,
        #: why); and the index of the latest change to it signed by a records admin
        self.readers_changes: dict[str, list[tuple[int, Entry, str]]] = {}
        self.readers_set: dict[str, int] = {}

    # -- facts --------------------------------------------------------------------------
    def _load_facts(self) -> None:
        """Facts of every version of every record someone has claimed to sign, read in one
        batch (most are remembered from earlier runs)."""
        entries = self.a.entries
        claimed = {e.signoff["path"] for e in entries.values() if e.signoff}
        wanted: dict[str, str] = {}
        for e in entries.values():
            for path, new, old in e.changes:
                if path in claimed:
                    for blob in (new, old):
                        if blob and self.v.known_facts(blob) is None:
                            wanted[blob] = path
        if wanted:
            found = self.v.git.read_objects(wanted)
            for blob, path in wanted.items():
                obj = found.get(blob)
                self.v.facts(blob, obj.data if obj is not None else None, path)

    def facts(self, blob: str | None) -> RecordFacts:
        found = self.v.known_facts(blob) if blob else None
        return found if found is not None else RecordFacts(None)

    # -- the walk -------------------------------------------------------------------------
    def run(self) -> None:
        a = self.a
        loader = a.loader
        assert loader is not None
        self._load_facts()
        previous: Entry | None = None
        states: dict[int, TrustState] = {}
        for index, (oid, _parents) in enumerate(a.graph):
            e = a.entries[oid]
            number = previous.trust if previous else e.trust
            before = states.get(number)
            if before is None:
                before = states[number] = loader.state(a.states[number])
            self._changes(index, e)
            self._signoff(index, e, before)
            self._keys(e)
            previous = e
        self._statuses()
        self._readers_findings()
        self._key_warnings()
        a.signoff_counts = self.counted
        a.ledger = self

    def report(self, rule: str, path: str, message: str, commit: str | None,
               person: str | None, severity: str | None = None, hint: str | None = None) -> None:
        self.a.findings.append(Finding(problem(rule, path, 1, 1, message, hint, severity),
                                       commit, person))

    # -- changes to signed records ----------------------------------------------------------
    def _changes(self, index: int, e: Entry) -> None:
        if e.readers:
            self._readers(index, e)
        gone: dict[str, Track] = {}
        for path, new, old in e.changes:
            track = self.tracks.setdefault(path, Track())
            if track.signed:
                self._judge_change(index, e, path, track, new, old)
                if new is None and track.agreed():
                    gone[path] = track
            if new is None and path in self.contracts:
                gone_contract = self.contracts.pop(path)
                self.by_supervisee.get(gone_contract.supervisee, {}).pop(path, None)
            track.blob = new
            track.changed = (index, e.id, e)
            if new is not None:
                track.deleted = None
        for path, new, old in e.changes:  # a rename of an agreed record by an admin
            if old is None and new is not None and e.admin and e.reason:
                source = next((t for p, t in gone.items() if t.signed and any(
                    s.blob == new for s in t.signed.values())), None)
                if source is not None:
                    self.tracks[path].inherit(source)

    def _readers(self, index: int, e: Entry) -> None:
        """A sealed record's readers file (who can open it) changes only in a commit
        signed by a records admin, or with a new version of the record by someone who may
        change the record (sign-offs do not cover the readers file, so this is its guard)."""
        changed = {p for p, _n, _o in e.changes}
        for path in e.readers:
            if e.admin:
                self.readers_set[path] = index
                continue
            track = self.tracks.get(path)
            old = track.blob if track is not None else None
            signers = (track.people | {p for _r, p in self.facts(old).holders}
                       if track is not None and track.signed else None)
            if not e.trusted:
                why = "in a commit without a valid signature"
            elif path not in changed:
                why = "without a new version of the record and without a records admin's " \
                      "signature"
            elif signers is not None and e.signer not in signers:
                why = "with a version of the record by someone who is neither one of its " \
                      "signers nor a records admin"
            else:
                continue
            self.readers_changes.setdefault(path, []).append((index, e, why))

    def _readers_findings(self) -> None:
        from supervision.signing.signoff import READERS_SUFFIX as SUFFIX

        for path, changes in sorted(self.readers_changes.items()):
            for index, e, why in changes:
                settled = self.readers_set.get(path, -1) > index
                self.report("READERS-CHANGED-NOT-ADMIN", path + SUFFIX,
                            f"commit {e.id[:10]} changed who can read {path} {why} (by "
                            f"{e.who()})" + ("; a records admin has set its readers again "
                                             "since" if settled else ""),
                            e.id, e.signer, severity=WARNING if settled else ERROR)

    def _judge_change(self, index: int, e: Entry, path: str, track: Track, new: str | None,
                      old: str | None) -> None:
        before = self.facts(old)
        signers = track.people | {p for _r, p in before.holders}
        short_id = e.id[:10]
        rule = None
        if not e.trusted:
            rule = "RECORD-CHANGED-UNSIGNED"
        elif not e.admin and e.signer not in signers:
            rule = "RECORD-CHANGED-BY-OTHER"
        if rule is not None:
            track.interlopers.append((index, e, rule))
        if new is None:
            agreed = track.agreed()
            track.deleted = {"commit": e.id, "person": e.who(), "date": iso(e.time),
                             "reason": e.reason, "signature": e.sig}
            if agreed and not (e.admin and e.reason):
                need = "an admin's signature and a reason" if not e.admin else "a reason"
                self.report("RECORD-DELETED", path,
                            f"commit {short_id} deleted (or moved) this agreed record without "
                            f"{need} (by {e.who()})", e.id, e.signer)
            return
        after = self.facts(new)
        if before.form is not None and after.people != before.people:
            may = e.admin or (e.trusted and before.form != "contract" and e.signer in
                              track.people)
            if not may:
                who = "a records admin" if before.form == "contract" else \
                    "someone who signed it or a records admin"
                self.report("RECORD-PEOPLE-CHANGED", path,
                            f"commit {short_id} changed who this signed record names "
                            f"({_names(before)} -> {_names(after)}) without {who} "
                            f"(by {e.who()})", e.id, e.signer)

    # -- sign-offs ------------------------------------------------------------------------
    def _signoff(self, index: int, e: Entry, state: TrustState) -> None:
        so = e.signoff
        if not so:
            return
        if not so["ok"]:
            self.counted[e.id] = False
            return
        path, role, person, blob = so["path"], so["role"], so["person"], so["blob"]
        facts = self.facts(blob)
        refusal = self.refusal(facts, role, person, state)
        if refusal is not None:
            rule, why = refusal
            self.report(rule, path, f"commit {e.id[:10]} signs this record as {role} by "
                        f"{person}, but {why}", e.id, person)
            self.counted[e.id] = False
            return
        self.counted[e.id] = True
        track = self.tracks.setdefault(path, Track())
        track.signers = tuple(so["signers"])
        ref = SignoffRef(role, person, e.id, e.time, blob, index)
        track.signed[role] = ref
        track.first.setdefault(role, ref)
        track.people.add(person)
        if facts.form == "contract" and track.agreed():
            agreed = InForce(path, facts.subject, facts.holder("supervisor"), facts.date)
            earlier = self.contracts.get(path)
            if earlier is not None:
                self.by_supervisee.get(earlier.supervisee, {}).pop(path, None)
            self.contracts[path] = agreed
            self.by_supervisee.setdefault(agreed.supervisee, {})[path] = agreed

    def in_force(self, supervisee: str | None, day: str | None) -> InForce | None:
        """The agreed contract for ``supervisee`` in force on ``day`` (the latest agreed
        by then), on the line so far."""
        if not supervisee or not day:
            return None
        found = [c for c in self.by_supervisee.get(supervisee, {}).values()
                 if c.date is not None and c.date <= day]
        return max(found, key=lambda c: (c.date or "", c.path)) if found else None

    def refusal(self, facts: RecordFacts, role: str, person: str,
                 state: TrustState) -> tuple[str, str] | None:
        """Why ``person`` may not sign this version as ``role`` here, or None."""
        form = facts.form
        if form in SESSION_FORMS and facts.status == "planned":
            return ("SIGNOFF-PLANNED", f"the session on {facts.date} is still planned: a "
                    "planned session is signed once it has been held and recorded")
        if form in BY_CONTRACT:
            contract = self.in_force(facts.subject, facts.date)
            if contract is None:
                return ("SIGNOFF-NO-CONTRACT", f"no agreed contract for {facts.subject} is in "
                        f"force on {facts.date}, so nobody is yet its {role}")
            expected = contract.supervisor if role == "supervisor" else contract.supervisee
            if person != expected:
                return ("SIGNOFF-NOT-CONTRACT", f"the contract in force ({contract.path}) names "
                        f"{expected} as {role}")
        elif form == "group-session":
            roles = set(state.roles_of(person))
            school = state.school_of(person)
            if not roles & SUPERVISOR_ROLES:
                return ("SIGNOFF-NOT-ELIGIBLE", f"people.yml does not give {person} a "
                        "supervisor role, which a group session's facilitator needs")
            if school is not None and facts.school is not None and school != facts.school:
                return ("SIGNOFF-NOT-ELIGIBLE", f"{person} supervises at {school}, not at "
                        f"{facts.school}")
        elif form == "qa-review":
            if QA_ROLE not in state.roles_of(person):
                return ("SIGNOFF-NOT-ELIGIBLE", f"people.yml does not give {person} the "
                        f"{QA_ROLE} role")
            contract = self.in_force(facts.subject, facts.date)
            if contract is not None and contract.supervisor == person:
                return ("SIGNOFF-NOT-ELIGIBLE", f"{person} is {facts.subject}'s supervisor, "
                        "and supervision is quality-assured by someone else")
        elif form == "escalation" and role == "mediator":
            if not ESCALATION_ROLES & set(state.roles_of(person)):
                return ("SIGNOFF-NOT-ELIGIBLE", f"people.yml gives {person} none of the roles "
                        f"a disagreement is escalated to ({', '.join(sorted(ESCALATION_ROLES))})")
        elif form == "policy-assessment" and ASSESSOR_ROLE not in state.roles_of(person):
            return ("SIGNOFF-NOT-ELIGIBLE", f"people.yml does not give {person} the "
                    f"{ASSESSOR_ROLE} role, which the policy's yearly assessment needs")
        return None

    # -- new keys for people who already had one --------------------------------------------
    def _keys(self, e: Entry) -> None:
        if e.accepted is not None:
            change, approvers, added = e.accepted
            self.approvals.setdefault(change, set()).update(approvers)
            ids = self.a.states[e.trust]
            for fpr, person in added:
                self.new_keys[fpr] = _NewKey(fpr, person, change, approvers[0],
                                             ids.required, e.id)
        if e.approves and e.approved_by:
            self.approvals.setdefault(e.approves, set()).add(e.approved_by)
        key = self.new_keys.get(e.confirms or "")
        if key is not None and e.trusted and e.signer == key.person and e.fpr != key.fingerprint:
            key.confirmed = True

    def _key_warnings(self) -> None:
        for key in self.new_keys.values():
            others = self.approvals.get(key.change, set()) - {key.proposer}
            if key.confirmed or len(others) >= key.required:
                continue
            self.report("KEY-NEW-UNCONFIRMED", PEOPLE_FILE,
                        f"a new signing key ({short(key.fingerprint)}) was registered for "
                        f"{key.person}, who already had one, by {key.proposer} (commit "
                        f"{key.change[:10]}); {key.person} has not confirmed it with an "
                        "older key", key.commit, key.person,
                        hint=f"{key.person}: if the key is yours, run `supervision keys confirm "
                        f"{key.fingerprint}`; if it is not, tell the other records admins at "
                        "once.")

    # -- statuses at the verified commit ---------------------------------------------------------
    def _statuses(self) -> None:
        a = self.a
        head = a.head or "HEAD"
        head_files = {p: b for p, b in self.v.git.tree_files(head, *RECORD_DIRS).items()
                      if is_record_path(p)}
        missing = [b for b in head_files.values() if self.v.known_facts(b) is None]
        found = self.v.git.read_objects(missing)
        for path, blob in head_files.items():
            obj = found.get(blob)
            self.v.facts(blob, obj.data if obj is not None else None, path)
        for path in sorted(head_files):
            blob = head_files[path]
            a.records.append(_status(path, blob, self.facts(blob),
                                     self.tracks.get(path, Track())))
        for path, track in sorted(self.tracks.items()):
            if path not in head_files and track.deleted is not None and track.signed:
                last = next(iter(s.blob for s in track.signed.values()), "")
                facts = self.facts(last)
                a.records.append(RecordStatus(
                    path, "deleted", last, facts.signers, dict(facts.holders),
                    list(track.signed.values()), deleted_by=track.deleted,
                    first_signed=dict(track.first)))
        by_path = {r.path: r for r in a.records}
        for path, track in self.tracks.items():
            for index, entry, rule in track.interlopers:
                record = by_path.get(path)
                current = [s for s in record.signoffs if s.blob == record.blob] if record else []
                settled = record is not None and record.status in ("agreed", "disputed") and all(
                    s.index > index for s in current)
                what = ("without a valid signature" if rule == "RECORD-CHANGED-UNSIGNED" else
                        "but is neither one of its signers nor a records admin")
                self.report(rule, path,
                            f"commit {entry.id[:10]} changed this signed record {what} (by "
                            f"{entry.who()})" + ("; everyone has signed it again since"
                                                 if settled else ""),
                            entry.id, entry.signer, severity=WARNING if settled else ERROR)


def _names(facts: RecordFacts) -> str:
    return ", ".join(f"{name} {person}" for name, person in facts.people) or "nobody"


def _status(path: str, blob: str, facts: RecordFacts, track: Track) -> RecordStatus:
    signers = facts.signers
    signoffs = [track.signed[r] for r in signers if r in track.signed]
    current = {s.role for s in signoffs if s.blob == blob}
    changed_by = None
    if facts.form in SESSION_FORMS and facts.status in UNSIGNED_STATUSES:
        status = str(facts.status)  # not held: nothing to sign
    elif signers and current == set(signers):
        status = "disputed" if facts.disagreement else "agreed"
    elif current:
        status = "awaiting-" + next(r for r in signers if r not in current)
    elif track.signed:
        status = "stale"
        if track.changed is not None:
            _index, oid, entry = track.changed
            changed_by = {"commit": oid, "person": entry.signer, "who": entry.who(),
                          "date": iso(entry.time), "signature": entry.sig}
    else:
        status = "draft"
    return RecordStatus(path, status, blob, signers, dict(facts.holders), signoffs, changed_by,
                        {r: track.first[r] for r in signers if r in track.first})


__all__ = ["Ledger", "InForce", "Track", "ERROR"]
