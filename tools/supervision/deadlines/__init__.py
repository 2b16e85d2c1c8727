"""The deadlines wing: the school calendar and every rule about time across records.

Owns the school calendar (``school_year``: year names and month arithmetic;
``school_calendar``: ``calendar/<year>.yml``, bank holidays, working days), the
time rules (``time_rules`` runs the registry in ``rules/``, one module per rule,
all sharing one ``context.RuleContext``), the ``Item`` each rule produces
(``items``), what ``supervision status`` shows per person (``status``) and the
session dates ``supervision schedule`` proposes, with iCalendar export
(``planning``).

Entry points: ``time_rules.time_rules`` (the cross-record rule ``check`` runs),
``time_rules.evaluate`` (every item, for ``status``), ``status.build``,
``school_calendar.calendar_for``, ``planning.propose``.

The rules read record facts, never record YAML; who signed what and when comes
only through the sign-off dates of the signing wing.

May import: core, forms, signing.
"""
