"""The admin wing: what a records admin does to the records as a whole.

Owns the retention review (``retention``: when each record's retention period ends,
counted from the later of its date and the end of the supervisee's employment in
people.yml, a contract from when it stopped being in force; which records are past
it; which deletions were made and whether any came early), the deletion of a record
past its retention period (``deletion``), the handing over of supervisees to a new
supervisor during a long absence (``reassignment``: new contracts for both to sign,
planned sessions moved, nothing signed ever edited) and what both changes share
(``admin_commit``: the records admin's signing key, a clean index, one signed commit
whose ``Supervision-Reason`` trailer says why, checked afterwards by verify's rules).

Entry points: ``retention.review``, ``retention.deletions``, ``deletion.plan`` /
``deletion.delete``, ``reassignment.plan`` / ``reassignment.apply``.

Every change here is one GPG-signed commit by a records admin, made so that
``supervision verify`` (``signing/ledger.py``) accepts it: a deletion of an agreed
record needs an admin's signature and a reason, and a signed record is never edited.

May import: core, forms, deadlines, signing.
"""
