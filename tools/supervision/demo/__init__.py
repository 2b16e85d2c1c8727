"""The demo wing: the fictional trust of ``supervision demo`` and synthetic content.

Owns fictional record content made from a form (``synthetic.fill``), whole
fictional trusts committed in dated batches for tests and benchmarks
(``fictional_trust``), and the demo trust itself: its story of people, records,
sign-offs and nine planted problems (``story``; what later records say about
earlier ones: ``followups``), the throwaway keys and the replay as real signed
commits (``replay``), and the command's build steps (``build``).

Entry points: ``build.build``, ``build.prepare``, ``synthetic.fill``,
``fictional_trust.write_trust``, ``fictional_trust.write_calendars``.

Everything made here is obviously fictional.

May import: core, forms, deadlines, signing.
"""
