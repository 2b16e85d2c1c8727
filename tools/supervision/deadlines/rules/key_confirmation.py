"""A new signing key registered for someone who already had one, not yet confirmed.

``supervision verify`` warns about it (``KEY-NEW-UNCONFIRMED``); this rule shows it
to that person in ``supervision status``, until they confirm the key with an older
one (``supervision keys confirm``) or enough other admins approve its registration.
"""

from __future__ import annotations

from supervision.config import PEOPLE_FILE
from supervision.deadlines.context import RuleContext
from supervision.deadlines.items import AWAITING

#: The rule ids this module reports (their rows are in supervision.rules).
RULE_IDS = frozenset({"KEY-NEW-UNCONFIRMED"})


def check(ctx: RuleContext) -> None:
    for person, message, hint in ctx.signoffs.notices:
        person_school = ctx.repo.people.get(person)
        ctx.add("KEY-NEW-UNCONFIRMED", AWAITING, (PEOPLE_FILE, ctx.person_at(person)),
                message, (person,), school=person_school.school if person_school else None,
                hint=hint)
