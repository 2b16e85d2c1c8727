"""The one type every finding uses, from YAML syntax to a forged signature.

A :class:`Problem` names where (``path:line:col``), which rule, how serious,
what is wrong and what to do next. Checkers return lists of them; reporters
print them; nothing else decides how findings look.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int
    col: int
    rule: str
    severity: str
    message: str
    hint: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(**data)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.rule)


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)
