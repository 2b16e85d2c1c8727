"""The forms wing: what a record is and how one record is read, checked and written.

Owns the profiles (``profiles/*.yml``: the policy numbers and the forms of each
record kind) and everything derived from a form definition: reading YAML with
positions (``yamlparse``), careful line edits that keep comments (``yamledit``),
validation of one record against its form (``validate``), the single-record
policy rules (``record_rules``), the small free-text-free summary of a record
(``facts``), blank records with guidance comments (``scaffold``) and the JSON
Schemas editors use (``json_schema``, written into ``schemas/``).

Entry points: ``definition.load_profile``, ``yamlparse.parse_file``,
``validate.validate``, ``record_rules.check_record_rules``, ``facts.extract``,
``scaffold.render`` / ``scaffold.write_new``.

Nothing here knows about git, signatures, calendars or other records: one
record, one form.

May import: problems, rules, reporters (``plural``), deadlines.school_year.
"""
