"""Issue new pseudonymous case references in the repository's agreed format.

A reference is random (from the operating system's secure random source), so
it says nothing about the child, the order children were added or when. It is
checked against every reference already written anywhere in the repository's
records. The link between a reference and a real child is kept in the school's
safeguarding system, never in the records repository.

The default format ``^C-[0-9A-HJ-NP-Z]{6}$`` gives about 1.5 billion
references. A school's own format is supported when it is a simple pattern:
literal characters, character classes such as ``[A-Z]`` or ``[0-9A-HJ-NP-Z]``,
``\\d``, and fixed counts ``{n}`` (a range ``{n,m}`` uses the largest count).
Anything else (``.``, ``*``, ``+``, ``?``, ``|``, groups) is refused with a
clear message rather than guessed at.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable
from pathlib import Path

#: How many unused references must exist before one is issued (guessing must stay hard).
MIN_CHOICES = 100_000
MAX_TRIES = 1000

_DIGITS = string.digits


class CannotGenerate(ValueError):
    """The configured pattern is not one references can be generated from."""


def parse_pattern(pattern: str) -> list[str]:
    """The pattern as a list of character sets, one per character of a reference."""
    body = pattern
    if body.startswith("^"):
        body = body[1:]
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    elif body.endswith("\\Z"):
        body = body[:-2]
    else:
        raise CannotGenerate("it does not end with $, so references could have anything "
                             "after them")
    atoms: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "[":
            end = body.find("]", i + 1)
            if end < 0:
                raise CannotGenerate("a '[' has no matching ']'")
            atom = _char_class(body[i + 1:end])
            i = end + 1
        elif ch == "\\":
            code = body[i + 1:i + 2]
            if code == "d":
                atom = _DIGITS
            elif code and not code.isalnum():
                atom = code
            else:
                raise CannotGenerate(f"the escape \\{code} is not supported")
            i += 2
        elif ch in ".*+?|()^$":
            raise CannotGenerate(f"'{ch}' makes the format open-ended")
        elif ch == "{":
            raise CannotGenerate("a count {n} must follow a character or class")
        else:
            atom = ch
            i += 1
        count = 1
        if i < len(body) and body[i] == "{":
            end = body.find("}", i)
            numbers = body[i + 1:end].split(",") if end > 0 else []
            if not numbers or not all(n.strip().isdigit() for n in numbers) or len(numbers) > 2:
                raise CannotGenerate("counts must be written {n} or {n,m}")
            count = int(numbers[-1])
            i = end + 1
        atoms += [atom] * count
    if not atoms:
        raise CannotGenerate("it describes an empty reference")
    return atoms


def _char_class(inside: str) -> str:
    if not inside or inside.startswith("^"):
        raise CannotGenerate("a class like [^...] (everything except) is not supported")
    chars: list[str] = []
    i = 0
    while i < len(inside):
        if inside[i] == "\\" and inside[i + 1:i + 2] == "d":
            chars += list(_DIGITS)
            i += 2
            continue
        if i + 2 < len(inside) and inside[i + 1] == "-":
            low, high = inside[i], inside[i + 2]
            if ord(low) > ord(high):
                raise CannotGenerate(f"the range {low}-{high} runs backwards")
            chars += [chr(c) for c in range(ord(low), ord(high) + 1)]
            i += 3
            continue
        chars.append(inside[i])
        i += 1
    return "".join(dict.fromkeys(chars))


def choices(atoms: list[str]) -> int:
    total = 1
    for atom in atoms:
        total *= len(atom)
    return total


def used_references(root: Path, pattern: str, files: Iterable[str]) -> set[str]:
    """Every reference in the agreed format written anywhere in these files."""
    inner = re.compile(pattern.removeprefix("^").removesuffix("$").removesuffix("\\Z"))
    used: set[str] = set()
    for relpath in files:
        used.update(m.group() for m in inner.finditer(relpath))
        try:
            text = (root / relpath).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        used.update(m.group() for m in inner.finditer(text))
    return used


def issue(pattern: str, count: int, used: set[str]) -> list[str]:
    """``count`` new references matching ``pattern``, none of them in ``used``."""
    atoms = parse_pattern(pattern)
    if choices(atoms) < MIN_CHOICES:
        raise CannotGenerate(f"it allows only {choices(atoms):,} references; at least "
                             f"{MIN_CHOICES:,} are needed so that a reference cannot be "
                             "guessed")
    check = re.compile(pattern)
    taken = set(used)
    out: list[str] = []
    for _ in range(count):
        for _try in range(MAX_TRIES):
            ref = "".join(secrets.choice(atom) for atom in atoms)
            if ref not in taken:
                break
        else:  # pragma: no cover - needs a nearly full format
            raise CannotGenerate("no unused reference could be found")
        if not check.match(ref):
            raise CannotGenerate("a generated reference did not match it")
        taken.add(ref)
        out.append(ref)
    return out
