"""JSON Schemas derived from the forms, for editors and other tools.

Every scaffolded record starts with ``# yaml-language-server: $schema=...`` so
VS Code (with the YAML extension) and other editors complete field names and
flag typos as you type. ``supervision check`` does not use these schemas: it
reads the same form definitions directly, which is faster and gives better
messages. A test keeps the schemas shipped in the package up to date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from supervision.forms.definition import Field, Form, Profile

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_YESNO = [True, False, "yes", "no", "Yes", "No", "YES", "NO"]
_PATTERNS = {
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "time": r"^\d{1,2}:\d{2}$",
    "person": r"^[a-z0-9][a-z0-9-]*$",
    "school": r"^[a-z0-9][a-z0-9-]*$",
    "id": r"^[a-z0-9][a-z0-9-]*$",
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "fingerprint": r"^[0-9A-Fa-f ]{40,50}$",
    "record": r"^(records|contracts)/[A-Za-z0-9._/-]+\.ya?ml$",
    "version": r"^[0-9a-f]{40}$",
    "item": r"^([0-9a-f]{12}|[adp]-[a-z2-7]{10})$",
}


def _describe(f: Field) -> str:
    parts = [f.title]
    if f.guidance:
        parts.append(f.guidance)
    if f.required == "yes":
        parts.append("Required on a completed record.")
    elif f.required == "always":
        parts.append("Always required.")
    return " ".join(parts)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _scalar(type_name: str, f: Field, profile: Profile, case_ref: str) -> dict[str, Any]:
    if type_name in ("text", "line"):
        return {"type": ["string", "number", "boolean"]}
    if type_name in ("integer", "minutes"):
        schema: dict[str, Any] = {"type": "integer", "minimum": 0}
        if f.of is None:
            if f.min is not None:
                schema["minimum"] = f.min
            if f.max is not None:
                schema["maximum"] = f.max
        return schema
    if type_name == "yesno":
        return {"enum": _YESNO}
    if type_name == "choice":
        return {"enum": list(f.choices)}
    if type_name == "case_ref":
        return {"type": "string", "pattern": case_ref}
    if type_name in _PATTERNS:
        return {"type": "string", "pattern": _PATTERNS[type_name]}
    raise AssertionError(type_name)  # pragma: no cover


def field_schema(f: Field, profile: Profile, case_ref: str) -> dict[str, Any]:
    if f.type in ("group", "risk"):
        schema = _object(f.fields, profile, case_ref)
    elif f.type == "tags":
        schema = {"type": "array", "items": {"enum": list(f.choices or profile.themes)},
                  "uniqueItems": True}
    elif f.is_list:
        items = (_scalar(f.of, f, profile, case_ref) if f.of
                 else _object(f.fields, profile, case_ref))
        schema = {"type": "array", "items": items}
        if f.min is not None:
            schema["minItems"] = f.min
        if f.max is not None:
            schema["maxItems"] = f.max
    else:
        schema = _scalar(f.type, f, profile, case_ref)
    schema = schema if f.required == "always" else _nullable(schema)
    schema["title"] = f.title
    schema["description"] = _describe(f)
    return schema


def _object(fields: tuple[Field, ...], profile: Profile, case_ref: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f.name: field_schema(f, profile, case_ref) for f in fields},
    }
    always = [f.name for f in fields if f.required == "always"]
    if always:
        schema["required"] = always
    return schema


def form_schema(form: Form, profile: Profile, case_ref: str) -> dict[str, Any]:
    schema = _object(form.fields, profile, case_ref)
    completed = [f.name for f in form.fields if f.required == "yes"]
    if completed and form.field("status") is not None:
        schema["if"] = {"properties": {"status": {"const": "held"}}}
        schema["then"] = {"required": completed}
    elif completed:
        schema["required"] = schema.get("required", []) + completed
    return {
        "$schema": DIALECT,
        "$id": f"https://supervision.invalid/schemas/{profile.id}/{form.key}.schema.json",
        "title": f"{form.title} ({profile.id} profile)",
        "description": form.intro,
        **schema,
    }


def schema_name(form: Form) -> str:
    return f"{form.key}.schema.json"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_profile_schemas(profile: Profile, folder: Path, case_ref: str) -> list[Path]:
    """Write (or refresh) one schema file per form; returns the files changed."""
    changed = []
    target = folder / profile.id
    target.mkdir(parents=True, exist_ok=True)
    for form in profile.forms.values():
        path = target / schema_name(form)
        text = render(form_schema(form, profile, case_ref))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
