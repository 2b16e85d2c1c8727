"""Policy rules that need only one record: cases, length, actions, risk, path.

They run on the typed record from :mod:`supervision.forms.validate`, find fields by
their *type* (any ``actions`` field, any ``case_ref``), and take every number
from the profile's :class:`~supervision.forms.definition.PolicyRules`.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Iterator
from typing import Any

from supervision.deadlines.school_year import academic_year
from supervision.forms.definition import Field, Form, Profile
from supervision.forms.validate import display
from supervision.forms.yamlparse import Document, KeyPath
from supervision.problems import Problem
from supervision.reporters import plural
from supervision.rules import problem

#: The folder of records about the whole organisation rather than one school.
TRUST_WIDE = "trust-wide"


def walk(fields: tuple[Field, ...], typed: dict[str, Any],
         keypath: KeyPath = ()) -> Iterator[tuple[KeyPath, Field, Any]]:
    """Every present value with its field, depth first, in form order."""
    for f in fields:
        if f.name not in typed:
            continue
        value = typed[f.name]
        here = keypath + (f.name,)
        yield here, f, value
        if f.fields and isinstance(value, dict):
            yield from walk(f.fields, value, here)
        elif f.fields and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from walk(f.fields, item, here + (index,))


def completed(typed: dict[str, Any]) -> bool:
    """A planned or cancelled session has no content to check yet."""
    return typed.get("status", "held") == "held"


class _Rules:
    def __init__(self, doc: Document, form: Form, profile: Profile, relpath: str) -> None:
        self.doc = doc
        self.form = form
        self.profile = profile
        self.relpath = relpath
        self.problems: list[Problem] = []

    def report(self, rule: str, keypath: KeyPath, message: str, hint: str | None = None) -> None:
        line, col = self.doc.where(keypath)
        self.problems.append(problem(rule, self.doc.path, line, col, message, hint))

    def run(self, typed: dict[str, Any]) -> list[Problem]:
        done = completed(typed)
        rules = self.profile.rules
        case_refs: list[KeyPath] = []
        for keypath, f, value in walk(self.form.fields, typed):
            if f.type == "case_ref":
                case_refs.append(keypath)
            elif f.type == "actions" and done:
                self.actions(keypath, value)
            elif f.type == "decisions" and done and rules.decisions_need_reasons:
                for index, item in enumerate(value):
                    if item.get("decision") and not item.get("reasons"):
                        self.report("DECISION-NO-REASON", keypath + (index,),
                                    f"'{display(keypath + (index,))}' has no reasons")
            elif f.type == "risk" and done and value.get("raised") is True:
                missing = [part for part in ("action", "owner") if not value.get(part)]
                if missing:
                    self.report("RISK-NO-ACTION", keypath,
                                f"'{display(keypath)}' says an immediate safeguarding issue came "
                                f"to light but gives no {' or '.join(missing)}")
        if self.form.key == "session" and done:
            self.cases(typed, case_refs)
        if self.form.kind == "session":
            self.session(typed, done)
        if self.form.kind == "chronology-entry":
            self.chronology(typed)
        self.people(typed)
        self.path(typed)
        return self.problems

    def actions(self, keypath: KeyPath, items: list[dict[str, Any]]) -> None:
        for index, item in enumerate(items):
            here = keypath + (index,)
            if not item.get("action"):
                continue
            if not item.get("owner"):
                self.report("ACTION-NO-OWNER", here, f"'{display(here)}' has no owner")
            if not item.get("due"):
                self.report("ACTION-NO-DUE", here, f"'{display(here)}' has no due date")

    def cases(self, typed: dict[str, Any], case_refs: list[KeyPath]) -> None:
        rules = self.profile.rules
        distinct = {self._get(typed, kp) for kp in case_refs}
        n = len(distinct)
        where = case_refs[-1] if case_refs else ()
        if rules.cases_max is not None and n > rules.cases_max:
            self.report("CASES-TOO-MANY", where,
                        f"{plural(n, 'case')} recorded; the {self.profile.id} policy allows "
                        f"at most {rules.cases_max} in one session")
        if n < rules.cases_min:
            self.report("CASES-TOO-FEW", where,
                        f"{plural(n, 'case')} recorded; the {self.profile.id} policy asks for "
                        f"{rules.cases_min} in each session")

    def session(self, typed: dict[str, Any], done: bool) -> None:
        rules = self.profile.rules
        minutes = typed.get("duration_minutes")
        if done and minutes is not None:
            low, high = rules.session_minutes_min, rules.session_minutes_max
            if low is not None and minutes < low:
                self.report("DURATION-OUT-OF-RANGE", ("duration_minutes",),
                            f"the session lasted {minutes} minutes; the policy asks for at least "
                            f"{low}")
            if high is not None and minutes > high:
                self.report("DURATION-OUT-OF-RANGE", ("duration_minutes",),
                            f"the session lasted {minutes} minutes; the policy allows at most "
                            f"{high}")
        if typed.get("status") == "cancelled":
            details = typed.get("cancellation") or {}
            missing = [k for k in ("by", "rebooked_to") if not details.get(k)]
            if missing:
                self.report("SESSION-CANCELLED-NO-DETAILS", ("status",),
                            "the session is cancelled but the record does not say "
                            + " or ".join({"by": "who cancelled it",
                                           "rebooked_to": "when it is rebooked"}[k]
                                          for k in missing))

    def chronology(self, typed: dict[str, Any]) -> None:
        for index, entry in enumerate(typed.get("entries") or ()):
            if entry.get("outcome") == "not-needed" and not entry.get("reason"):
                here = ("entries", index, "reason" if "reason" in entry else "outcome")
                self.report("SCHEMA-REQUIRED", here,
                            f"'{display(('entries', index))}' says no chronology entry is "
                            "needed but gives no reason",
                            "Say why under 'reason:', for example that the decision is already "
                            "on the chronology from a strategy meeting.")

    def people(self, typed: dict[str, Any]) -> None:
        supervisor = typed.get("supervisor")
        if supervisor is None:
            return
        if typed.get("supervisee") == supervisor:
            self.report("SUPERVISOR-IS-SUPERVISEE", ("supervisor",),
                        f"'{supervisor}' is both supervisor and supervisee")
        if supervisor in (typed.get("supervisees") or ()):
            self.report("SUPERVISOR-IS-SUPERVISEE", ("supervisees",),
                        f"the facilitator '{supervisor}' is also listed as a member")

    def path(self, typed: dict[str, Any]) -> None:
        expected = expected_path(self.form, typed)
        if expected is None or expected == self.relpath or (
                self.form.numbered and _numbered(expected, self.relpath)):
            return
        folder = self.relpath.rsplit("/", 1)[0] if "/" in self.relpath else ""
        if folder.split("/", 1)[0] not in ("records", "contracts"):
            return  # PATH-OUTSIDE-RECORDS already says so
        self.report("PATH-MISMATCH", ("date",) if "date" in typed else (),
                    f"this {self.form.title.lower()} belongs at {expected}",
                    hint="Move it with `git mv "
                    f"{self.relpath} {expected}`, or correct the fields if they are wrong.")

    @staticmethod
    def _get(typed: dict[str, Any], keypath: KeyPath) -> Any:
        value: Any = typed
        for part in keypath:
            value = value[part]
        return value


def expected_path(form: Form, typed: dict[str, Any]) -> str | None:
    """Where a record with these fields belongs, or None if a field is unusable."""
    day = typed.get("date")
    if not isinstance(day, dt.date):
        return None
    school = typed.get("school")
    if school is None and not any(f.name == "school" and f.required != "no"
                                  for f in form.fields):
        school = TRUST_WIDE  # a record about the whole organisation
    values = {
        "school": school,
        "supervisee": typed.get("supervisee"),
        "supervisor": typed.get("supervisor"),
        "case_ref": typed.get("case_ref"),
        "date": day.isoformat(),
        "year": academic_year(day),
    }
    needed = {name for _text, name, _spec, _conv in string.Formatter().parse(form.file) if name}
    if any(values.get(name) is None for name in needed):
        return None
    return form.file.format(**values)


def _numbered(expected: str, relpath: str) -> bool:
    """``...-chronology-2.yaml`` for the second record of that kind on the same day."""
    stem, dot, suffix = expected.rpartition(".")
    if not relpath.startswith(stem + "-") or not relpath.endswith(dot + suffix):
        return False
    number = relpath[len(stem) + 1:-len(dot + suffix)]
    return number.isdigit() and not number.startswith("0") and int(number) >= 2


def numbered_path(expected: str, n: int) -> str:
    """The ``n``-th record of a numbered kind on one day (the first has no number)."""
    if n <= 1:
        return expected
    stem, dot, suffix = expected.rpartition(".")
    return f"{stem}-{n}{dot}{suffix}"


def first_free_path(expected: str, taken: Callable[[str], bool]) -> str:
    """The first of ``expected``, ``expected`` numbered 2, 3... that is not ``taken``
    (several records of a numbered kind on one day)."""
    path, number = expected, 1
    while taken(path):
        number += 1
        path = numbered_path(expected, number)
    return path


def check_record_rules(doc: Document, form: Form, profile: Profile, relpath: str,
                       typed: dict[str, Any]) -> list[Problem]:
    return _Rules(doc, form, profile, relpath).run(typed)
