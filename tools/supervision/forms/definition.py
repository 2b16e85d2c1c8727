"""Forms and policy profiles: the data that says what a record holds.

A *profile* models one school's supervision policy: its numbers (``rules``),
its theme list, and one *form* per record kind. Each form is the core fields
from ``profiles/core.yml`` followed by the profile's own fields. Everything
else (JSON Schemas, scaffolds, blank-form pages, validation) is derived from
these definitions, so a school changes its forms by editing YAML, not Python.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervision.forms.profile_files import parse_built_in, parse_profile
from supervision.forms.yamlparse import Document, KeyPath
from supervision.problems import Problem
from supervision.rules import problem

BUILTIN_PROFILES = ("reflective", "agenda")

#: Record kinds, and the form key each one uses. The last two are written by their own
#: commands (`supervision chronology done`, `supervision escalate`), never by `new`.
KINDS = ("contract", "session", "case-notes", "qa-review", "informal", "policy-assessment",
         "chronology-entry", "escalation")
NEW_KINDS = KINDS[:6]
FORM_KEYS = ("contract", "session", "group-session", "case-notes", "qa-review", "informal",
             "policy-assessment", "chronology-entry", "escalation")

SCALAR_TYPES = frozenset({
    "text", "line", "date", "time", "integer", "minutes", "yesno", "choice",
    "person", "school", "case_ref", "id", "email", "fingerprint",
    "record", "version", "item",  # written by the tools: a record, its version, an item in it
})
STRUCTURED_TYPES = frozenset({"group", "list", "tags", "actions", "decisions", "risk", "review"})
FREE_TEXT_TYPES = frozenset({"text", "line"})
#: Field types whose answers can be marked as going on the child's chronology.
CHRONOLOGY_TYPES = frozenset({"decisions", "actions", "text", "yesno"})
ALL_TYPES = SCALAR_TYPES | STRUCTURED_TYPES

ACTION_STATUSES = ("open", "done", "carried-forward", "dropped")
REVIEW_OUTCOMES = ("done", "carried-forward", "dropped")
REFERRALS = ("none", "childrens-social-care", "police", "both")

_FIELD_KEYS = frozenset({
    "name", "type", "label", "guidance", "required", "choices", "min", "max",
    "fields", "of", "default", "yes_when", "chronology",
})
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    label: str = ""
    guidance: str = ""
    required: str = "no"  # "no", "yes" (on a completed record) or "always"
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    fields: tuple[Field, ...] = ()
    of: str | None = None
    default: Any = None
    yes_when: str | None = None  # a yes/no field that must be yes when this sibling is yes
    #: what is written here goes on the child's chronology (see core.yml)
    chronology: bool = False

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def is_list(self) -> bool:
        return self.type in ("list", "actions", "decisions", "review", "tags")

    @property
    def is_mapping(self) -> bool:
        return self.type in ("group", "risk")

    def child(self, name: str) -> Field | None:
        for sub in self.fields:
            if sub.name == name:
                return sub
        return None


def _built_in(type_name: str) -> tuple[Field, ...]:
    """Sub-fields of the structured types the checker's rules understand."""
    if type_name == "actions":
        return (
            Field("action", "text", "Action", "What will be done.", "yes"),
            Field("owner", "person", "Owner", "Id of the person who will do it.", "no"),
            Field("due", "date", "Due by", "YYYY-MM-DD.", "no"),
            Field("status", "choice", "Status", "open until it is done.", "no",
                  choices=ACTION_STATUSES, default="open"),
        )
    if type_name == "decisions":
        return (
            Field("decision", "text", "Decision", "What was decided.", "yes"),
            Field("reasons", "text", "Reasons", "Why it was decided.", "no"),
        )
    if type_name == "review":
        return (
            Field("action", "text", "Action from last time", "", "yes"),
            Field("outcome", "choice", "Outcome", "done, carried-forward or dropped.", "yes",
                  choices=REVIEW_OUTCOMES),
            Field("note", "text", "Note", "Any difficulty, or why it was dropped.", "no"),
        )
    if type_name == "risk":
        return (
            Field("raised", "yesno", "Did an immediate safeguarding issue come to light?",
                  "", "yes"),
            Field("action", "text", "Action agreed now",
                  "What will be done straight away (e.g. a referral to children's social care "
                  "or the police).", "no"),
            Field("owner", "person", "Who acts", "Id of the person who will do it.", "no"),
            Field("referral", "choice", "Referral made or to be made",
                  "", "no", choices=REFERRALS),
        )
    return ()


@dataclass(frozen=True, slots=True)
class Form:
    key: str
    kind: str
    title: str
    intro: str
    file: str
    signers: tuple[str, ...]
    fields: tuple[Field, ...]
    #: several records of this kind may share a date: the second is ``...-2.yaml``
    numbered: bool = False
    #: what :meth:`walk` found, kept (a check walks each record's form more than once)
    _walked: tuple[tuple[KeyPath, Field], ...] | None = dataclasses.field(
        default=None, init=False, repr=False, compare=False, hash=False)

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def walk(self) -> tuple[tuple[KeyPath, Field], ...]:
        """Every field with its key path; list items are shown as index 0."""
        if self._walked is None:
            object.__setattr__(self, "_walked", self._walk())  # frozen: set once, here
        assert self._walked is not None
        return self._walked

    def _walk(self) -> tuple[tuple[KeyPath, Field], ...]:
        out: list[tuple[KeyPath, Field]] = []

        def visit(prefix: KeyPath, fields: tuple[Field, ...]) -> None:
            for f in fields:
                here = prefix + (f.name,)
                out.append((here, f))
                if f.fields:
                    visit(here + ((0,) if f.is_list else ()), f.fields)

        visit((), self.fields)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class PolicyRules:
    """Every number and switch in a policy. Names match the profile's ``rules:``."""

    sessions_per_half_term: int = 1
    sooner_on_request: bool = True
    group_sessions_per_half_term: int = 0
    session_minutes_min: int | None = 60
    session_minutes_max: int | None = None
    term_minutes_min: int | None = None
    group_share_max_percent: int | None = None
    cases_min: int = 0
    cases_max: int | None = None
    case_notes_days_before: int | None = None
    agenda_days_before: int | None = None
    record_due_working_days: int | None = None
    supervisee_response_by: str = "next-session"
    rebook_within_working_days: int | None = None
    decisions_need_reasons: bool = False
    supervisor_training_required: bool = False
    supervisor_supervised_each_half_term: bool = False
    dsl_training_renewal_months: int = 24
    dsl_refresh_months: int = 12
    contract_review_months: int = 12
    policy_review_months: int = 12
    escalation: tuple[str, ...] = ()
    # An escalated disagreement still open after this many days is a warning.
    dispute_open_days: int | None = 30
    # Decisions about a child are entered on its chronology within this many working days.
    chronology_due_working_days: int | None = 10
    # Each supervisee's supervision is quality-assured this often (null: no QA reviews).
    qa_review_months: int | None = None
    # A session may agree an extra one: held within this many working days of it.
    sooner_within_working_days: int | None = None
    # A session is booked within this many days of the next meeting agreed (null: off).
    next_meeting_within_days: int | None = 5
    # How often the policy's implementation and effectiveness is assessed (null: never).
    policy_assessment_months: int | None = None
    # How far ahead `supervision status` looks for "due soon" (its --due-within default).
    due_soon_days: int = 14

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    title: str
    summary: str
    source: str
    rules: PolicyRules
    themes: tuple[str, ...]
    forms: dict[str, Form] = field(default_factory=dict)

    def form_for(self, kind: str, group: bool = False) -> Form | None:
        key = "group-session" if kind == "session" and group else kind
        return self.forms.get(key)


class _Reader:
    """Turns parsed profile YAML into Fields, collecting located problems."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def bad(self, keypath: KeyPath, message: str, rule: str = "PROFILE-INVALID") -> None:
        line, col = self.doc.where(keypath)
        self.problems.append(problem(rule, self.doc.path, line, col, message))

    def fields(self, raw: Any, keypath: KeyPath) -> tuple[Field, ...]:
        if not isinstance(raw, list):
            self.bad(keypath, "'fields' must be a list of field definitions")
            return ()
        out: list[Field] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            parsed = self.field(item, keypath + (index,))
            if parsed is None:
                continue
            if parsed.name in seen:
                self.bad(keypath + (index,), f"the field '{parsed.name}' is defined twice")
                continue
            seen.add(parsed.name)
            out.append(parsed)
        types = {f.name: f.type for f in out}
        for index, f in enumerate(out):
            if f.yes_when is not None and (f.type != "yesno" or types.get(f.yes_when) != "yesno"):
                self.bad(keypath + (index, "yes_when"),
                         f"yes_when on '{f.name}' must name another yes/no field beside it, "
                         "and the field itself must be yes/no")
        return tuple(out)

    def field(self, raw: Any, keypath: KeyPath) -> Field | None:
        if not isinstance(raw, dict):
            self.bad(keypath, "each field must be a mapping with at least name and type")
            return None
        for key in raw:
            if key not in _FIELD_KEYS:
                close = difflib.get_close_matches(key, _FIELD_KEYS, n=1)
                tip = f" (did you mean '{close[0]}'?)" if close else ""
                self.bad(keypath + (key,), f"unknown field setting '{key}'{tip}")
        name = raw.get("name")
        type_name = raw.get("type")
        if not isinstance(name, str) or not _NAME.match(name):
            self.bad(keypath + ("name",), "a field needs a name in lower case letters, "
                     "digits and underscores")
            return None
        if type_name not in ALL_TYPES:
            self.bad(keypath + ("type",), f"field '{name}' has unknown type {type_name!r}; "
                     f"use one of: {', '.join(sorted(ALL_TYPES))}")
            return None
        required = raw.get("required", False)
        if required is True:
            required_text = "yes"
        elif required in (False, None):
            required_text = "no"
        elif required == "always":
            required_text = "always"
        else:
            self.bad(keypath + ("required",), "required must be true, false or always")
            required_text = "no"
        bounds: dict[str, int | None] = {}
        for bound in ("min", "max"):
            value = raw.get(bound)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                self.bad(keypath + (bound,), f"{bound} must be a whole number")
                value = None
            bounds[bound] = value
        choices = raw.get("choices", ())
        if not isinstance(choices, list | tuple) or not all(
            isinstance(c, str | int) for c in choices
        ):
            self.bad(keypath + ("choices",), "choices must be a list of words")
            choices = ()
        if type_name == "choice" and not choices:
            self.bad(keypath, f"choice field '{name}' needs a list of choices")
        if "chronology" in raw and (not isinstance(raw["chronology"], bool) or (
                raw["chronology"] and type_name not in CHRONOLOGY_TYPES)):
            self.bad(keypath + ("chronology",), "chronology must be true or false, and only "
                     f"on a field of type {', '.join(sorted(CHRONOLOGY_TYPES))}")
        of = raw.get("of")
        if of is not None and of not in SCALAR_TYPES:
            self.bad(keypath + ("of",), f"'of' must be a single-value type, not {of!r}")
            of = None
        if type_name in ("actions", "decisions", "review", "risk"):
            sub_fields = _built_in(type_name)
            if "fields" in raw:
                self.bad(keypath + ("fields",), f"a {type_name} field has fixed parts; "
                         "remove 'fields'")
        elif type_name in ("group", "list"):
            sub_fields = ()
            if "fields" in raw:
                sub_fields = self.fields(raw["fields"], keypath + ("fields",))
            if type_name == "group" and not sub_fields:
                self.bad(keypath, f"group field '{name}' needs fields")
            if type_name == "list" and not sub_fields and of is None:
                self.bad(keypath, f"list field '{name}' needs 'fields' or 'of'")
        else:
            sub_fields = ()
        return Field(
            name=name,
            type=type_name,
            label=str(raw.get("label") or ""),
            guidance=" ".join(str(raw.get("guidance") or "").split()),
            required=required_text,
            choices=tuple(str(c) for c in choices),
            min=bounds["min"],
            max=bounds["max"],
            fields=sub_fields,
            of=of,
            default=raw.get("default"),
            yes_when=raw.get("yes_when") if isinstance(raw.get("yes_when"), str) else None,
            chronology=raw.get("chronology") is True,
        )


def load_core() -> tuple[dict[str, dict[str, Any]], dict[str, tuple[Field, ...]], list[Problem]]:
    """The core record kinds (file, signers, fields) and the configuration forms.

    Read once per process: core.yml ships with the package and never changes while it
    runs, and settings, profiles, the calendar and sign-offs each ask for it (a
    one-record check parsed it five times). Each caller gets its own outer dict and list.
    """
    kinds, config, problems = _load_core()
    return dict(kinds), dict(config), list(problems)


@functools.cache
def _load_core() -> tuple[dict[str, dict[str, Any]], dict[str, tuple[Field, ...]], list[Problem]]:
    doc, problems = parse_built_in("core.yml")
    if doc is None:
        return {}, {}, problems
    reader = _Reader(doc)
    kinds: dict[str, dict[str, Any]] = {}
    for key, spec in (doc.data.get("kinds") or {}).items():
        kinds[key] = {
            "file": spec["file"],
            "signers": tuple(spec.get("signers") or ()),
            "fields": reader.fields(spec.get("fields"), ("kinds", key, "fields")),
            "numbered": bool(spec.get("numbered")),
        }
    config: dict[str, tuple[Field, ...]] = {}
    for key, spec in (doc.data.get("config") or {}).items():
        config[key] = reader.fields(spec.get("fields"), ("config", key, "fields"))
    return kinds, config, problems + reader.problems


def _rules(reader: _Reader, raw: Any) -> PolicyRules:
    if raw is None:
        return PolicyRules()
    if not isinstance(raw, dict):
        reader.bad(("rules",), "rules must be a mapping of setting: value")
        return PolicyRules()
    hints = {f.name: f.type for f in dataclasses.fields(PolicyRules)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = ("rules", key)
        if key not in hints:
            close = difflib.get_close_matches(key, list(hints), n=1)
            tip = f" (did you mean '{close[0]}'?)" if close else ""
            reader.bad(where, f"unknown rule setting '{key}'{tip}")
            continue
        kind = str(hints[key])
        if kind == "bool":
            ok = isinstance(value, bool)
        elif kind.startswith("int"):
            ok = (value is None and "None" in kind) or (
                isinstance(value, int) and not isinstance(value, bool) and value >= 0
            )
        elif kind.startswith("tuple"):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            value = tuple(value) if ok else value
        else:
            ok = isinstance(value, str)
        if not ok:
            reader.bad(where, f"rule setting '{key}' must be {kind.replace(' | None', ' or null')}")
            continue
        values[key] = value
    return PolicyRules(**values)


def load_profile(source: str | Path) -> tuple[Profile | None, list[Problem]]:
    """Load a built-in profile by name, or a profile file by path."""
    if isinstance(source, str):
        if source not in BUILTIN_PROFILES:
            return None, [problem("PROFILE-UNKNOWN", "supervision.yml", 1, 1,
                                  f"there is no built-in profile called {source!r}",
                                  hint=f"Use one of: {', '.join(BUILTIN_PROFILES)}, or the "
                                  "path of a profile file in this repository.")]
        source = f"{source}.yml"
    core_kinds, _config, problems = load_core()
    doc, parse_problems = (parse_built_in(source) if isinstance(source, str)
                           else parse_profile(source))
    problems = problems + parse_problems
    if doc is None:
        return None, problems
    reader = _Reader(doc)
    data = doc.data
    profile_id = data.get("id")
    if not isinstance(profile_id, str) or not profile_id:
        reader.bad(("id",), "a profile needs an id")
        profile_id = "custom"
    themes_raw = data.get("themes") or []
    if not isinstance(themes_raw, list) or not all(isinstance(t, str) for t in themes_raw):
        reader.bad(("themes",), "themes must be a list of short tags")
        themes_raw = []
    forms: dict[str, Form] = {}
    raw_forms = data.get("forms") or {}
    if not isinstance(raw_forms, dict):
        reader.bad(("forms",), "forms must be a mapping of record kind to form")
        raw_forms = {}
    for key, spec in raw_forms.items():
        where: KeyPath = ("forms", key)
        if key not in core_kinds:
            reader.bad(where, f"unknown form '{key}'; forms are: {', '.join(FORM_KEYS)}")
            continue
        if not isinstance(spec, dict):
            reader.bad(where, "a form must be a mapping with title and fields")
            continue
        core = core_kinds[key]
        own = reader.fields(spec.get("fields") or [], where + ("fields",))
        core_names = {f.name for f in core["fields"]}
        for index, f in enumerate(own):
            if f.name in core_names:
                reader.bad(where + ("fields", index),
                           f"'{f.name}' is a core field every {key} record already has")
        kind = "session" if key == "group-session" else key
        forms[key] = Form(
            key=key,
            kind=kind,
            title=str(spec.get("title") or key),
            intro=" ".join(str(spec.get("intro") or "").split()),
            file=core["file"],
            signers=core["signers"],
            fields=core["fields"] + tuple(f for f in own if f.name not in core_names),
            numbered=core["numbered"],
        )
    profile = Profile(
        id=profile_id,
        title=str(data.get("title") or profile_id),
        summary=" ".join(str(data.get("summary") or "").split()),
        source=doc.path,
        rules=_rules(reader, data.get("rules")),
        themes=tuple(themes_raw),
        forms=forms,
    )
    problems = problems + reader.problems
    return (None if problems else profile), problems
