"""When was each record signed off? The seam between the reports and sign-off.

The reports take sign-off dates as plain data, ``SignOffs``: record path ->
list of (role, date). Roles are the record's signers (``supervisor``,
``supervisee``, ``reviewer``) or ``recorded``, meaning only "the record was
first committed on this date".

:func:`collect` gives both: the date each record was first committed (from the
one-pass git reader, :mod:`supervision.history`) and, when the repository signs
(``admins`` in supervision.yml), the first verified sign-off of each role
(:func:`supervision.signoffs.verified_signoffs`). Reports prefer a role's
verified sign-off and fall back to the commit date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

SignOffs = Mapping[str, list[tuple[str, dt.date]]]

RECORDED = "recorded"


def collect(repo: Any) -> tuple[SignOffs | None, str]:
    """Sign-off dates for the reports and a sentence saying where they came from."""
    from supervision.history import read_history
    from supervision.signoffs import verified_signoffs

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
