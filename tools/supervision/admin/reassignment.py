"""Handing supervisees over to a new supervisor during a long absence (``supervision reassign``).

School policy: when a supervisor is off for a long time, the Headteacher finds a
replacement. :func:`plan` works out, changing nothing, what that means for the
records, from what ``supervision verify`` knows (``signing/ledger.py``):

* the supervisees whose agreed contract in force today names the absent supervisor
  (or the one ``--supervisee`` names, refused if that contract names someone else);
* for each, a **new contract** dated today: that contract's answers (as the records
  hold it now) with the new supervisor, their role, and a review date (the old one if
  still ahead, else the policy's longest); it is in force only once both sign it, as
  any contract;
* their **planned sessions from today on** (and, for the whole absence, the absent
  supervisor's planned group sessions) with the supervisor line changed, a group
  session renamed where its path names the supervisor;
* what is **left as it is**, and why: a session anyone has signed (a signed record is
  never edited), one planned for a day already past, a group session at a school the
  new supervisor cannot sign for, records awaiting the absent supervisor's signature.

:func:`apply` writes those files and makes one commit signed by a records admin whose
``Supervision-Reason`` trailer says why, so ``supervision history`` of every file it
touched shows who and why. Any failure puts every file back as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from supervision.admin import admin_commit
from supervision.admin.admin_commit import Refusal
from supervision.deadlines.school_year import add_months
from supervision.forms.record_rules import expected_path
from supervision.repo import RecordsRepo

SUPERVISOR_ROLES = ("supervisor", "external-supervisor")
#: people.yml roles as a contract's "supervisor's role" answer.
ROLE_TITLES = {"trust-lead": "Trust safeguarding lead", "headteacher": "Headteacher",
               "deputy-head": "Deputy headteacher", "external-supervisor": "External supervisor",
               "dsl": "Designated safeguarding lead", "ddsl": "Deputy designated safeguarding "
               "lead", "supervisor": "Supervisor"}


@dataclass(frozen=True)
class NewContract:
    path: str
    supervisee: str
    replaces: str  # the agreed contract in force
    text: str


@dataclass(frozen=True)
class Move:
    path: str
    new_path: str  # the same path unless the path names the supervisor
    date: str
    text: str


@dataclass
class Plan:
    old: str
    new: str
    reason: str
    admin: str
    today: dt.date
    supervisees: list[str]
    contracts: list[NewContract] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)  # (path, why)

    def message(self) -> str:
        lines = [f"{self.admin} hands the supervision of {', '.join(self.supervisees)} over "
                 f"from {self.old} to {self.new} from {self.today}.", "",
                 f"New contracts, to be signed by {self.new} and each supervisee:"]
        lines += [f"  {c.path} (replaces {c.replaces})" for c in self.contracts]
        if self.moves:
            lines.append(f"Planned sessions moved to {self.new}:")
            lines += [f"  {m.new_path}" + (f" (was {m.path})" if m.new_path != m.path else "")
                      for m in self.moves]
        if self.left:
            lines.append("Left as they were:")
            lines += [f"  {path}: {why}" for path, why in self.left]
        return admin_commit.message(f"Reassign supervision from {self.old} to {self.new}",
                                    "\n".join(lines), self.reason)


def _role_title(person: Any) -> str:
    for role in person.roles:
        if role in ROLE_TITLES and role != "supervisor":
            return ROLE_TITLES[role]
    return ROLE_TITLES["supervisor"]


def check_people(repo: RecordsRepo, old: str, new: str, supervisee: str | None,
                 today: dt.date) -> None:
    """Who may take over, as the ledger will judge their sign-offs; Refusal otherwise."""
    if old == new:
        raise Refusal(f"--from and --to are the same person ({old})",
                      "Give the absent supervisor as --from and the new one as --to.",
                      usage=True)
    person = repo.people[new]
    if not set(person.roles) & set(SUPERVISOR_ROLES):
        raise Refusal(f"{person.name} ({new}) does not have a supervisor role in people.yml, "
                      "so could not sign the new contract or the sessions as supervisor",
                      f"Choose someone with the role 'supervisor' or 'external-supervisor', "
                      f"or ask a records admin to give {new} that role first.")
    if person.left is not None and person.left <= today:
        raise Refusal(f"{person.name} ({new}) left on {person.left} (people.yml)",
                      "Choose someone who is still here.")
    if supervisee is not None and supervisee == new:
        raise Refusal(f"{new} cannot supervise themselves", "Choose another supervisor.")


def _read(git: Any, blobs: set[str]) -> dict[str, str]:
    found = git.read_objects(blobs)
    return {oid: obj.data.decode("utf-8") for oid, obj in found.items() if obj is not None}


def _edited(path: str, text: str, changes: dict[str, str], optional: set[str]) -> str:
    from supervision.forms.yamledit import EditError, set_scalar
    from supervision.forms.yamlparse import parse_text

    for key, value in changes.items():
        doc, _problems = parse_text(text, path)
        if doc is None or not isinstance(doc.data, dict):
            raise Refusal(f"{path} cannot be read as a record; nothing was changed",
                          f"Run `supervision check {path}` and correct it first.")
        if key in optional and (key,) not in doc.positions:
            continue
        try:
            text = set_scalar(text, doc, (key,), value)
        except EditError as exc:
            raise Refusal(f"{path} could not be changed safely ({exc}); nothing was changed",
                          "Change it by hand, or tell the records admin.") from None
    return text


def plan(repo: RecordsRepo, git: Any, analysis: Any, facts: dict[str, dict[str, Any]],
         old: str, new: str, supervisee: str | None, reason: str | None, today: dt.date,
         fingerprint: str) -> Plan:
    said = admin_commit.reason_line(reason)
    check_people(repo, old, new, supervisee, today)
    admin = admin_commit.admin_person(analysis, fingerprint)
    admin_commit.nothing_staged(git)
    ledger = analysis.ledger
    day = today.isoformat()
    wanted = [supervisee] if supervisee else sorted(repo.people)
    in_force = {p: c for p in wanted if (c := ledger.in_force(p, day)) is not None}
    if supervisee is not None:
        contract = in_force.get(supervisee)
        if contract is None or contract.supervisor != old:
            whose = f"names {contract.supervisor}" if contract else "does not exist"
            raise Refusal(f"{supervisee}'s agreed contract in force today {whose}, not {old}; "
                          "nothing was changed",
                          "Check who supervises them (`supervision status --person "
                          f"{supervisee}`).")
    affected = {p: c for p, c in in_force.items() if c.supervisor == old}
    if not affected:
        raise Refusal(f"nobody has an agreed contract in force today with {old} as "
                      "supervisor; nothing was changed",
                      "Check the id, and that the contracts are signed (`supervision verify`).")
    if new in affected:
        raise Refusal(f"{new} is one of {old}'s supervisees and cannot supervise themselves",
                      "Choose another supervisor, or reassign the others with --supervisee.")
    result = Plan(old, new, said, admin, today, sorted(affected))
    statuses = {r.path: r for r in analysis.records}
    _contracts(repo, git, result, affected, statuses)
    _sessions(repo, git, result, facts, statuses, whole=supervisee is None)
    return result


def _contracts(repo: RecordsRepo, git: Any, result: Plan, affected: dict[str, Any],
               statuses: dict[str, Any]) -> None:
    agreed = {}  # supervisee -> the blob of their contract as the records hold it now
    for person, contract in affected.items():
        record = statuses.get(contract.path)
        if record is None or record.status == "deleted":
            raise Refusal(f"the contract in force for {person} ({contract.path}) is not in "
                          "the records any more", "Run `supervision verify` to see why.")
        agreed[person] = record.blob
    texts = _read(git, set(agreed.values()))
    new_person = repo.people[result.new]
    for person, contract in sorted(affected.items()):
        text = texts.get(agreed[person])
        if text is None:
            raise Refusal(f"the committed version of {contract.path} cannot be read from the "
                          "history", "Run `supervision verify` to see why.")
        data = _data(text, contract.path)
        school = data.get("school")
        form = repo.form(school, "contract")
        profile = repo.profile_for(school)
        if form is None or profile is None:
            raise Refusal(f"no contract form is available for school '{school}'")
        path = expected_path(form, {"school": school, "supervisee": person,
                                    "supervisor": result.new, "date": result.today})
        if path is None or (repo.root / path).exists():
            raise Refusal(f"{path} already exists; nothing was changed",
                          "Reassign on another day, or finish that contract first.")
        review = _review_date(data, result.today, profile.rules.contract_review_months)
        body = _edited(path, text, {"supervisor": result.new,
                                    "supervisor_role": _role_title(new_person),
                                    "date": result.today.isoformat(),
                                    "review_date": review}, {"supervisor_role", "review_date"})
        result.contracts.append(NewContract(path, person, contract.path, body))


def _data(text: str, path: str) -> dict[str, Any]:
    from supervision.forms.yamlparse import parse_text

    doc, _problems = parse_text(text, path)
    return doc.data if doc is not None and isinstance(doc.data, dict) else {}


def _review_date(data: dict[str, Any], today: dt.date, months: int) -> str:
    """The old review date while it is ahead and within the policy's longest, else the
    longest the policy allows from today."""
    try:
        old = dt.date.fromisoformat(str(data.get("review_date")))
    except ValueError:
        old = None
    latest = add_months(today, months) - dt.timedelta(days=1)
    return (old if old is not None and today < old <= latest else latest).isoformat()


def _sessions(repo: RecordsRepo, git: Any, result: Plan, facts: dict[str, dict[str, Any]],
              statuses: dict[str, Any], whole: bool) -> None:
    day = result.today.isoformat()
    school_of_new = repo.people[result.new].school
    for path in sorted(facts):
        f = facts[path]
        form, date = f.get("form"), str(f.get("date") or "")
        mine = set(f.get("supervisees") or ()) & set(result.supervisees)
        if f.get("supervisor") != result.old or form not in ("session", "group-session"):
            continue
        if form == "session" and not mine:
            continue
        if form == "group-session" and not whole:
            continue
        status = statuses.get(path)
        if f.get("status") != "planned":
            if status is not None and status.status in ("draft", "awaiting-supervisor"):
                result.left.append((path, f"held and awaiting {result.old}'s signature: it "
                                    "stays theirs"))
            continue
        if status is not None and (status.signoffs or status.first_signed):
            result.left.append((path, "it has been signed, and a signed record is never "
                                "edited"))
            continue
        if date < day:
            result.left.append((path, f"planned for {date}, before today: record it as held "
                                "or cancelled"))
            continue
        if form == "group-session" and school_of_new not in (None, f.get("school")):
            result.left.append((path, f"{result.new} supervises at {school_of_new}, so "
                                "could not sign this group session"))
            continue
        if git.uncommitted(path) or not git.is_tracked(path):
            raise Refusal(f"{path} has changes here that are not committed; nothing was "
                          "changed", f"Commit or undo them first (git checkout -- {path}).")
        result.moves.append(_move(repo, path, f, result.new))


def _move(repo: RecordsRepo, path: str, f: dict[str, Any], new: str) -> Move:
    from supervision.forms.validate import parse_date

    text = (repo.root / path).read_text(encoding="utf-8")
    edited = _edited(path, text, {"supervisor": new}, set())
    group = f.get("form") == "group-session"
    form = repo.form(f.get("school"), "session", group)
    target = path
    if form is not None and "{supervisor}" in form.file:  # the path names the supervisor
        values = {"school": f.get("school"), "supervisor": new,
                  "date": parse_date(f.get("date")),
                  "supervisee": (f.get("supervisees") or [None])[0]}
        target = expected_path(form, values) or path
    if target != path and (repo.root / target).exists():
        raise Refusal(f"{target} already exists, so {path} cannot be renamed to it; nothing "
                      "was changed", "Move or cancel one of the two sessions first.")
    return Move(path, target, str(f.get("date")), edited)


def apply(repo: RecordsRepo, git: Any, planned: Plan, key: str) -> str:
    """Write the new contracts and moved sessions, check them, and commit; the commit id.
    On any failure every file is put back and nothing is committed."""
    from supervision.checker import check_record
    from supervision.forms.yamledit import write_atomically
    from supervision.problems import ERROR

    made: list[str] = []
    restored: list[str] = []
    try:
        for c in planned.contracts:
            target = repo.root / c.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8") as handle:
                handle.write(c.text)
            made.append(c.path)
        for m in planned.moves:
            restored.append(m.path)
            if m.new_path == m.path:
                write_atomically(repo.root / m.path, m.text)
            else:
                target = repo.root / m.new_path
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "x", encoding="utf-8") as handle:
                    handle.write(m.text)
                made.append(m.new_path)
                git.out("rm", "--quiet", "--", m.path)
        for path in [*made, *(m.path for m in planned.moves if m.new_path == m.path)]:
            errors = [p for p in check_record(repo, path)[0] if p.severity == ERROR]
            if errors:
                raise Refusal(f"{path} would not pass `supervision check` ({errors[0].rule}: "
                              f"{errors[0].message}); nothing was changed",
                              "Correct the record it comes from first.")
        git.out("add", "--", *made, *(m.path for m in planned.moves if m.new_path == m.path))
        return admin_commit.commit(git, planned.message(), key)
    except BaseException:
        git.ok("reset", "--quiet")
        for path in made:
            (repo.root / path).unlink(missing_ok=True)
        if restored:
            git.ok("checkout", "HEAD", "--", *restored)
        raise
