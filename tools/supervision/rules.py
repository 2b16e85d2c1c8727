"""Every rule the checker can report: its id, severity, title and usual hint.

Rule ids are stable: people search for them, waive them and write them in
tickets. A check builds its finding through :func:`problem` so the severity and
the default hint come from this one table.
"""

from __future__ import annotations

from dataclasses import dataclass

from supervision.problems import ERROR, WARNING, Problem


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str
    title: str
    hint: str


_RULES = [
    # Files and YAML syntax
    Rule("FILE-UNREADABLE", ERROR, "The file cannot be read",
         "Check the file exists and that you have permission to read it."),
    Rule("FILE-TOO-LARGE", ERROR, "The file is larger than a record can be",
         "A supervision record is a few kilobytes. Check you saved the right file; "
         "attachments belong in the school's safeguarding system, not here."),
    Rule("FILE-ENCODING", ERROR, "The file is not UTF-8 text",
         "Save the file as UTF-8 (in most editors: Save As, Encoding: UTF-8)."),
    Rule("FILE-EMPTY", ERROR, "The file is empty",
         "Start the record again with `supervision new`, or delete the empty file."),
    Rule("YAML-SYNTAX", ERROR, "The YAML cannot be read",
         "Look at the line shown and the one before it: a missing colon, a stray quote "
         "or wrong indentation is the usual cause."),
    Rule("YAML-TAB", ERROR, "A tab character is used for indentation",
         "YAML indentation must use spaces. Replace the tab with spaces "
         "(most editors: convert indentation to spaces)."),
    Rule("YAML-DUPLICATE-KEY", ERROR, "A field appears twice",
         "Keep one copy of the field and merge what you wrote into it."),
    Rule("YAML-ALIAS", ERROR, "YAML anchors and aliases are not allowed",
         "Write the value out in full instead of using & and *."),
    Rule("YAML-TAG", ERROR, "YAML tags are not allowed",
         "Remove the text starting with ! before the value."),
    Rule("YAML-MULTI-DOCUMENT", ERROR, "The file holds more than one YAML document",
         "Keep one record per file; remove the extra '---' line and what follows."),
    Rule("YAML-KEY-TYPE", ERROR, "A field name is not plain text",
         "Field names are the words before the colon, such as 'date:'."),
    # Record shape
    Rule("SCHEMA-TYPE", ERROR, "A value has the wrong type",
         "Compare with the form: `supervision new` shows every field with guidance."),
    Rule("SCHEMA-UNKNOWN-KEY", ERROR, "A field is not on the form",
         "Check the spelling of the field name; the form's fields are listed by "
         "`supervision new`."),
    Rule("SCHEMA-REQUIRED", ERROR, "A required field is missing or empty",
         "Fill in the field. If it truly does not apply, write 'none' and say why."),
    Rule("SCHEMA-CHOICE", ERROR, "A value is not one of the allowed choices",
         "Use one of the choices listed in the message."),
    Rule("SCHEMA-RANGE", ERROR, "A number or list is outside its allowed range",
         "Check the number against the form's limits."),
    Rule("SCHEMA-KIND", ERROR, "The record's kind is missing or unknown",
         "The first fields of a record say what it is, for example 'kind: session'. "
         "Start from `supervision new KIND` to get them right."),
    Rule("ANSWER-MUST-BE-YES", ERROR, "An answer must be yes because of another answer",
         "Do what the question asks, then answer yes."),
    Rule("DATE-INVALID", ERROR, "A date is not a real date",
         "Write dates as YYYY-MM-DD, for example 2026-11-23, and check the day exists."),
    Rule("TIME-INVALID", ERROR, "A time is not a real time",
         "Write times as HH:MM on the 24-hour clock, for example 14:30."),
    # Single-record policy rules
    Rule("PERSON-UNKNOWN", ERROR, "A person id is not in people.yml",
         "Use the person's id from people.yml (see the 'id:' lines), or ask the "
         "records admin to add them."),
    Rule("SCHOOL-UNKNOWN", ERROR, "A school id is not in supervision.yml",
         "Use a school id listed under 'schools:' in supervision.yml."),
    Rule("CASE-REF-FORMAT", ERROR, "A case reference is not a pseudonym in the agreed format",
         "Children appear only as pseudonymous case references. Use the reference "
         "issued for this child, never a name or pupil number."),
    Rule("CASES-TOO-MANY", ERROR, "More cases than the policy allows in one session",
         "Choose the priority cases for this session and carry the others to the next."),
    Rule("CASES-TOO-FEW", ERROR, "Fewer cases than the policy asks for",
         "Add the cases discussed, using their case references."),
    Rule("DURATION-OUT-OF-RANGE", ERROR, "The session length is outside the policy's limits",
         "Record the real length in minutes. If the session was shorter or longer than "
         "the policy allows, say why in the record and agree what happens next."),
    Rule("ACTION-NO-OWNER", ERROR, "An action has no owner",
         "Give every action an owner: the id of the person who will do it."),
    Rule("ACTION-NO-DUE", ERROR, "An action has no due date",
         "Give every action a date by which it will be done (YYYY-MM-DD)."),
    Rule("DECISION-NO-REASON", ERROR, "A decision has no reasons recorded",
         "The policy asks for the reasons behind each decision; add them."),
    Rule("RISK-NO-ACTION", ERROR, "Immediate risk is flagged but no action and owner are agreed",
         "When a child may be unsafe, agree now what will be done and by whom, and "
         "record both. A referral to children's social care or the police must not wait "
         "for this record."),
    Rule("SESSION-CANCELLED-NO-DETAILS", ERROR, "A cancelled session does not say who "
         "cancelled it or when it is rebooked",
         "Use `supervision cancel` to record a cancellation and book the new date."),
    Rule("SUPERVISOR-IS-SUPERVISEE", ERROR, "The supervisor and supervisee are the same person",
         "Supervision needs two people: check the ids."),
    Rule("PATH-MISMATCH", ERROR, "The file's name or folder does not match its contents",
         "Move the file to the path shown, or correct the fields. `supervision new` "
         "always picks the right path."),
    Rule("PATH-OUTSIDE-RECORDS", ERROR, "A record is outside records/ and contracts/",
         "Keep sessions, case notes and QA reviews under records/ and contracts under "
         "contracts/, as `supervision new` does."),
    # Repository configuration
    Rule("CONFIG-MISSING", ERROR, "A configuration file is missing",
         "Run `supervision init` to create a records repository, or restore the file "
         "from git."),
    Rule("CONFIG-INVALID", ERROR, "A configuration value is not valid",
         "Correct the value shown; `supervision init` writes a commented example."),
    Rule("PROFILE-UNKNOWN", ERROR, "The policy profile named in the configuration cannot be found",
         "Use a built-in profile (reflective or agenda) or the path of a profile file "
         "in this repository."),
    Rule("PROFILE-INVALID", ERROR, "The policy profile is not valid",
         "Compare the profile with the built-in ones (`supervision profile show agenda --yaml`)."),
    Rule("PERSON-DUPLICATE", ERROR, "Two people share an id",
         "Every person needs their own id."),
    # School calendar
    Rule("CALENDAR-INVALID", ERROR, "A calendar file is not a valid school year",
         "Each calendar/<year>.yml has three terms of two half terms, each with a first and "
         "last day inside the academic year (1 September to 31 August)."),
    Rule("CALENDAR-OVERLAP", ERROR, "Half terms or school years overlap",
         "Check the dates against the term dates your local authority or trust published."),
    # Privacy guard (supervision.privacy): identifying details never enter a record.
    # Hints never repeat what was found; waivers: see supervision.privacy.waivers.
    Rule("PRIVACY-UPN", ERROR, "A Unique Pupil Number is written in a record",
         "Delete the number and refer to the child only by their case reference (e.g. "
         "C-7K3QXM; `supervision case new` issues one). The UPN stays in the school's "
         "information system."),
    Rule("PRIVACY-NHS-NUMBER", ERROR, "An NHS number is written in a record",
         "Delete the number and refer to the child only by their case reference. Health "
         "details belong in the school's safeguarding system, not in supervision records."),
    Rule("PRIVACY-NI-NUMBER", ERROR, "A National Insurance number is written in a record",
         "Delete the number; nobody needs to be identified by it in a supervision record."),
    Rule("PRIVACY-POSTCODE", ERROR, "A postcode is written in a record",
         "Delete the postcode. If the area matters, describe it in general terms (for "
         "example 'lives outside the county')."),
    Rule("PRIVACY-PHONE", ERROR, "A phone number is written in a record",
         "Delete the number; contact details belong in the school's safeguarding system. "
         "If it is an organisation's public number, end the line with "
         "`# supervision: allow PRIVACY-PHONE - <why>`."),
    Rule("PRIVACY-EMAIL", ERROR, "An email address is written in a record",
         "Delete the address; refer to staff by role or by their id in people.yml, and to "
         "families not at all."),
    Rule("PRIVACY-ADDRESS", ERROR, "A street address is written in a record",
         "Delete the address. If where someone lives matters, describe it in general terms."),
    Rule("PRIVACY-DOB", ERROR, "A date of birth is written in a record",
         "Delete the date; if age matters, give the age or school year instead (for "
         "example 'aged 9' or 'Year 4')."),
    Rule("PRIVACY-DENY-LIST-NAME", ERROR, "A name on the school's deny list is written in "
         "a record",
         "Replace the name with the child's case reference, or with a role ('Mum', 'an "
         "older sibling') for family members. If the word is not a name here (for example "
         "'will' as a verb), end the line with "
         "`# supervision: allow PRIVACY-DENY-LIST-NAME - <why>`."),
    Rule("PRIVACY-STAFF-NAME", ERROR, "A member of staff is named in a record's text",
         "Refer to staff by their role ('the deputy head') or by their id from people.yml "
         "in the people fields; names are kept only in people.yml."),
    Rule("PRIVACY-DENY-LIST", ERROR, "The names deny list cannot be used",
         "Check the path in supervision.yml (privacy: deny_list:) or in the "
         "SUPERVISION_DENY_LIST environment variable, and that this computer can read "
         "the file (for example that the shared drive is connected). Keep the file "
         "outside the records repository."),
    Rule("PRIVACY-DENY-LIST-UNSET", WARNING, "No names deny list is set",
         "Ask your data manager for an export of pupil and parent names, keep it outside "
         "this repository, and point at it in supervision.yml (`privacy:` then "
         "`deny_list: /secure/share/deny-list.csv`) or, on one computer, with the "
         "SUPERVISION_DENY_LIST environment variable. If your school genuinely has no "
         "list, turn this off explicitly with `deny_list: none` under `privacy:`."),
    Rule("PRIVACY-WAIVER-INVALID", ERROR, "A privacy waiver is not valid",
         "Write a waiver at the end of the line it is for, naming the rule and the reason: "
         "`# supervision: allow PRIVACY-PHONE - the school office number`."),
    Rule("PRIVACY-WAIVER-UNUSED", WARNING, "A privacy waiver has nothing to waive",
         "A waiver only covers a finding of the rule it names on its own line. Remove it, "
         "or move it to the line it is meant for."),
    # Time rules across records (supervision.deadlines.time_rules): half terms, deadlines, renewals.
    # Errors are what is overdue now; warnings are what was done late, or is due soon.
    Rule("CALENDAR-YEAR-MISSING", ERROR, "No usable calendar file covers a date",
         "Add calendar/<year>.yml with your term dates (copy an existing year and change "
         "the dates), then run `supervision check` again."),
    Rule("SESSION-DATE", WARNING, "A session is dated on a day the school is closed",
         "Check the date. If the session really took place that day, leave it; if it is "
         "only booked, move it to a school day (`supervision calendar show YEAR` lists term "
         "dates, closures and bank holidays)."),
    Rule("REBOOK-DATE", ERROR, "A cancelled session's new date is impossible or too late",
         "The new date must come after the cancelled session and, where the policy sets a "
         "limit, within that many working days. Correct 'cancellation.rebooked_to'."),
    Rule("REBOOKED-SESSION", ERROR, "A cancelled session has no record of the rebooked session",
         "Record the rebooked session (`supervision new session --date YYYY-MM-DD`), or if "
         "it was cancelled again, record that with `supervision cancel`."),
    Rule("HALF-TERM-SESSION", ERROR, "A supervisee had no supervision session in a half term",
         "Book a session now (`supervision schedule` proposes dates). If one took place, "
         "record it with status: held."),
    Rule("HALF-TERM-GROUP", ERROR, "A supervisee took part in no group session in a half term",
         "Book the half-termly group session and list the supervisee among its members."),
    Rule("TERM-MINUTES", ERROR, "Less supervision time in a term than the policy asks for",
         "Plan enough sessions next term to make up the time, and note why this term fell "
         "short in the next session's record."),
    Rule("GROUP-SHARE", ERROR, "Too much of a term's supervision time was in groups",
         "Balance next term with more one-to-one time."),
    Rule("RECORD-DEADLINE", ERROR, "The supervisor's record of a session is late",
         "Complete the record (status: held) and commit it; the supervisee then reads and "
         "signs it."),
    Rule("CASE-NOTES-DEADLINE", ERROR, "Case notes were not sent far enough ahead of the session",
         "Send case notes as soon as you know which pupils you will bring: commit them "
         "and, once the repository signs records, sign them (`supervision sign PATH`)."),
    Rule("SUPERVISEE-RESPONSE", ERROR, "The supervisee has not signed a record or recorded a "
         "disagreement before the next session",
         "Read the record and sign it with `supervision sign`, or record what you disagree "
         "with (`supervision sign --disagree`)."),
    Rule("SESSION-HELD-IN-FUTURE", ERROR, "A session is recorded as held on a date still to "
         "come",
         "If the session is booked for that date, mark it planned (status: planned); "
         "otherwise correct the date to the day it was held."),
    Rule("SIGNOFF-AWAITED", WARNING, "A record someone has signed awaits your signature: "
         "it changed since you signed it, or you have not signed it yet",
         "`supervision history PATH` shows what changed; then sign it with "
         "`supervision sign PATH`. (Shown by `supervision status`, never by check.)"),
    Rule("ACTIONS-NOT-REVIEWED", ERROR, "Actions from the previous session are not reviewed",
         "List each action from last time in this record's review of previous actions with "
         "its outcome: done, carried-forward or dropped. `supervision new session` copies "
         "them in for you."),
    Rule("ACTION-DUE", ERROR, "An action is past its due date and still open",
         "Do the action, or review it at the next session as done, carried forward (with a "
         "new date) or dropped."),
    Rule("CONTRACT-MISSING", ERROR, "A supervisee has sessions but no supervision contract",
         "Agree a contract: `supervision new contract --supervisee ID --supervisor ID`."),
    Rule("CONTRACT-UNSIGNED", ERROR, "A contract is not signed by both people",
         "Both of you sign the contract (`supervision sign`)."),
    Rule("CONTRACT-REVIEW-DUE", ERROR, "A contract's review date has passed or is near",
         "Review the contract together and agree a new one with `supervision new contract`."),
    Rule("DSL-TRAINING-DUE", ERROR, "A DSL's safeguarding training needs renewing",
         "Book DSL training, then update 'dsl_training' for the person in people.yml."),
    Rule("SUPERVISOR-TRAINING", ERROR, "A supervisor has no supervision training recorded",
         "Record the date of their supervision training as 'supervision_training' in "
         "people.yml, or arrange the training."),
    Rule("SUPERVISOR-SUPERVISED", ERROR, "A supervisor had no supervision themselves in a "
         "half term",
         "Book supervision for the supervisor (a contract and a session in which they are "
         "the supervisee, or membership of a group session)."),
    Rule("POLICY-REVIEW-DUE", ERROR, "The supervision policy's review date has passed or is near",
         "Review the policy, then set the next date in supervision.yml (policy: review_date)."),
    # The rest of the policies (issue 16): chronology, QA, escalation, follow-ups
    Rule("CHRONOLOGY-ENTRY-DUE", ERROR, "A decision about a child is not on its chronology yet",
         "Enter it on the child's record in the school's safeguarding system (`supervision "
         "chronology` lists what to copy), then record that: `supervision chronology done PATH`."),
    Rule("CHRONOLOGY-ENTRY-INVALID", ERROR, "A chronology entry points at something that is "
         "not there", "Write the entry again with `supervision chronology done PATH`, naming "
         "records of the same supervisee."),
    Rule("QA-REVIEW-DUE", ERROR, "A supervisee's supervision is due for quality assurance",
         "A QA reviewer who is not the supervisee's supervisor starts the review with "
         "`supervision new qa-review --supervisee ID --reviewer ID`; it fills in what the "
         "records show."),
    Rule("QA-REVIEWER-INVALID", ERROR, "A QA review is by someone who may not quality-assure "
         "this supervision", "QA is done by someone with the qa-reviewer role in people.yml "
         "who is not the supervisee's supervisor. Correct 'reviewer', or ask the records admin "
         "to correct people.yml."),
    Rule("QA-COUNTS-DIFFER", WARNING, "A QA review's answer differs from what the records show",
         "Check the answer against the records (`supervision new qa-review` fills these in "
         "from them). If the records are incomplete, say so in the review's comments."),
    Rule("ESCALATION-OPEN", WARNING, "An escalated disagreement is not resolved yet",
         "The person it was escalated to meets you both, writes the outcome under "
         "'resolution:', and all three of you sign the escalation (`supervision sign PATH`)."),
    Rule("ESCALATION-INVALID", ERROR, "An escalation does not point at a disputed record of "
         "these people, or goes to someone the policy does not name",
         "Escalate with `supervision escalate PATH --to ID --reason TEXT`, which checks the "
         "record, the step and the person."),
    Rule("REFERRAL-FOLLOW-UP", ERROR, "A referral agreed in a session has no outcome recorded "
         "by the next session", "Write what has happened to the referral under "
         "'referral_outcome' in the next session's record."),
    Rule("SOONER-SESSION-DUE", ERROR, "An extra session that was asked for is not held in time",
         "Book it now (`supervision new session --supervisee ID --date YYYY-MM-DD --status "
         "planned`), or record it if it took place."),
    Rule("NEXT-MEETING-NOT-BOOKED", WARNING, "No session is booked near the next meeting agreed",
         "Book the session agreed (`supervision schedule --year YEAR --write` proposes that "
         "date), or, if you moved it, book the new date."),
    Rule("POLICY-ASSESSMENT-DUE", ERROR, "The yearly assessment of the supervision policy is "
         "due", "The strategic safeguarding lead assesses how the policy works: `supervision "
         "new policy-assessment --assessor ID` (`supervision qa sample` picks records to read)."),
    # Dual sign-off and its audit trail (`supervision verify`, issue 3)
    Rule("SIGNOFF-SHALLOW-CLONE", ERROR, "This clone does not hold the whole history",
         "Run `git fetch --unshallow` (or clone without --depth) and verify again: sign-offs "
         "can only be checked against the history from its first commit."),
    Rule("SIGNOFF-NO-TRUST-ROOT", ERROR,
         "The first commit is not signed by a records admin key it names",
         "A records repository's first commit must hold supervision.yml (with `admins:`), "
         "people.yml and keys/, and be signed with one of those admin keys. See \"Setting up "
         "signing keys\" in the README; the records admin may need to start the history again."),
    Rule("SIGNOFF-MANY-ROOTS", ERROR, "The history has more than one first commit",
         "Another repository's history was merged in. Its sign-offs were never checked "
         "against this school's keys: ask the records admin to undo the merge."),
    Rule("TRUST-CHANGE-NOT-ADMIN", ERROR,
         "people.yml, keys/ or the admins list changed in a commit not signed by a records admin",
         "Only a records admin may add or change people, keys and admins, in a commit signed "
         "with their registered key. Ask them to make the change (for a key: "
         "`supervision keys import FILE --person ID`); until then it does not count."),
    Rule("SIGNATURE-BAD", ERROR, "A commit's signature does not match the commit",
         "The commit was altered after it was signed, or a signature was copied from another "
         "commit. Tell the records admin: treat it as possible tampering."),
    Rule("SIGNATURE-UNREADABLE", ERROR, "A commit's signature block cannot be read",
         "The signature was damaged or is not an OpenPGP signature. Tell the records admin: "
         "treat it as possible tampering; the person should sign again."),
    Rule("SIGNATURE-BACKDATED", ERROR,
         "A signature is dated before its commit, or before an earlier signature on the line",
         "Signatures are made when the commit is made, later than the ones before it. Check "
         "the signer's computer clock, and ask them to sign again (`supervision sign PATH`)."),
    Rule("KEY-UNKNOWN", ERROR, "A sign-off is made with a key the repository does not register",
         "Sign with your registered key (`supervision keys list` shows it), or ask a records "
         "admin to register yours with `supervision keys import FILE --person ID`."),
    Rule("KEY-EXPIRED", ERROR, "A commit is signed with a key that had expired",
         "Extend the key (gpg --quick-set-expire FINGERPRINT 2y), ask a records admin to "
         "register the renewed key with `supervision keys import`, then sign again."),
    Rule("KEY-REVOKED", ERROR, "A commit is signed with a revoked key",
         "A revoked key's signatures no longer count. Create a new key "
         "(`supervision keys create`), have a records admin register it, and sign again."),
    Rule("SIGNOFF-UNSIGNED", ERROR, "A sign-off commit has no signature",
         "Sign with `supervision sign PATH`, which makes a GPG-signed commit."),
    Rule("SIGNOFF-WRONG-PERSON", ERROR,
         "A sign-off is signed by someone other than the person in that role",
         "Each person signs only for their own role: the record's supervisor signs as "
         "supervisor, its supervisee as supervisee."),
    Rule("SIGNOFF-ROLE-UNKNOWN", ERROR, "A sign-off names a role this record does not have",
         "Use `supervision sign PATH`, which picks the role from the record."),
    Rule("SIGNOFF-RECORD-MISSING", ERROR, "A sign-off names a record that does not exist",
         "Sign records with `supervision sign PATH`, which names the record correctly."),
    Rule("SIGNOFF-BLOB-MISMATCH", ERROR,
         "A sign-off names a different version of the record than its commit holds",
         "History was rewritten after the record was signed. Restore the original history "
         "from another clone or a backup, or ask everyone to sign the record again."),
    Rule("SIGNOFF-BAD-TRAILERS", ERROR, "A commit's sign-off trailers cannot be understood",
         "Sign records with `supervision sign PATH` rather than writing trailers by hand."),
    Rule("RECORD-CHANGED-UNSIGNED", ERROR,
         "A signed record was changed by a commit without a valid signature",
         "Change signed records only in signed commits (`supervision keys create` turns on "
         "commit signing). Check the change with `supervision history PATH`, then ask "
         "everyone who signs the record to sign it again."),
    # Tamper-evidence against an insider with push access (issue 13)
    Rule("COMMIT-MALFORMED", ERROR, "A commit object is not laid out as git writes commits",
         "Someone wrote this commit by hand, so git and this tool could read it differently: "
         "it counts for nothing. Treat it as tampering and tell the records admin."),
    Rule("HISTORY-MERGE", ERROR, "A merge commit is on the protected line",
         "The records' history must be one straight line: merges can bring in changes "
         "nobody signed. Use `supervision submit` (it rebases and signs your own commits) "
         "and set the server to fast-forward merges only."),
    Rule("SIGNATURE-FUTURE", ERROR, "A signature is dated in the future",
         "Check the signer's computer clock (it may be set ahead), then sign again."),
    Rule("SIGNATURE-WEAK-HASH", ERROR, "A signature uses a hash too weak to trust (e.g. SHA-1)",
         "Sign again with a current GnuPG (it uses SHA-256 or better); check `personal-"
         "digest-preferences` in gpg.conf does not ask for SHA1."),
    Rule("KEY-WEAK", ERROR, "A key is too weak to trust (e.g. RSA under 2048 bits)",
         "Create a new key with `supervision keys create` (ed25519) and have a records admin "
         "register it; signatures by the weak key do not count."),
    Rule("KEY-NOT-SIGNING", ERROR, "A signature is made by a (sub)key not allowed to sign",
         "Sign with the key's signing key (`supervision keys create` makes one); ask the "
         "records admin to check the registered copy in keys/."),
    Rule("TRUST-ROOT-MISMATCH", ERROR,
         "The history does not start at the trust root this repository is pinned to",
         "Someone may have replaced the whole history. Do not trust this copy: compare the "
         "first commit with the one your records admin recorded (SUPERVISION_TRUST_ROOT)."),
    Rule("TRUST-CHANGE-PENDING", WARNING,
         "A change of people, keys or admins waits for more records admins",
         "Another records admin approves it with `supervision keys approve COMMIT`; until "
         "enough different admins have, the change does not count."),
    Rule("TRUST-APPROVAL-INVALID", WARNING, "An approval of a trust change does not count",
         "Approve with `supervision keys approve COMMIT`, signed with your own admin key, "
         "naming a change another admin made that still waits for approval."),
    Rule("KEY-NEW-UNCONFIRMED", WARNING,
         "A new key was registered for someone who already had one, and they have not "
         "confirmed it",
         "If the key is yours, confirm it with your older key: `supervision keys confirm "
         "FINGERPRINT`. If it is not, tell the other records admins at once."),
    Rule("SIGNOFF-NO-CONTRACT", ERROR,
         "No agreed contract names who supervises this record's supervisee",
         "Who signs a session or case notes comes from the contract in force on its date: "
         "agree and sign the contract first (`supervision new contract`), then sign again."),
    Rule("SIGNOFF-NOT-CONTRACT", ERROR,
         "A sign-off is by someone the contract in force does not name",
         "Only the supervisor and supervisee of the agreed contract sign its sessions and case "
         "notes. Correct the record's people, or agree a new contract first."),
    Rule("SIGNOFF-NOT-ELIGIBLE", ERROR, "The signer does not hold the role this record needs",
         "A group session is signed by a supervisor (role supervisor in people.yml) of that "
         "school or the trust; a QA review by a QA reviewer who is not the supervisee's "
         "supervisor. Ask a records admin to correct people.yml if the roles are wrong."),
    Rule("SIGNOFF-PLANNED", ERROR, "A sign-off signs a session that is still planned",
         "A planned session is signed once it has been held and recorded: fill in the "
         "record, set 'status: held', commit it, then sign it with `supervision sign PATH`. "
         "If it did not take place, `supervision cancel` it instead."),
    Rule("SIGNOFF-SAME-PERSON", ERROR, "A record names the same person in two roles",
         "Supervisor and supervisee (or reviewer) must be different people. Correct the "
         "record, commit, and sign it again."),
    Rule("RECORD-CHANGED-BY-OTHER", ERROR,
         "A signed record was changed by someone who is neither its signer nor an admin",
         "Only the people who sign a record (or a records admin) may change it. Check the "
         "change with `supervision history PATH`; tell the records admin."),
    Rule("RECORD-PEOPLE-CHANGED", ERROR,
         "The people named in a signed record were changed without its signers or an admin",
         "Who a signed record names can change only in a commit signed by someone who "
         "signed it (for a contract: a records admin). Put the names back, or ask them."),
    Rule("RECORD-DELETED", ERROR,
         "An agreed record was deleted or renamed without an admin's signature and a reason",
         "Agreed records are deleted (or moved) only by a records admin, in a signed commit "
         "with a Supervision-Reason trailer. Restore it: git checkout COMMIT~1 -- PATH."),
    # The server gate (issue 13)
    Rule("PUSH-NOT-FAST-FORWARD", ERROR, "A push would rewrite the protected branch",
         "Rewinding or replacing what the server holds is refused. Fetch, rebase your own "
         "commits on top (`supervision submit` does this) and push again."),
    Rule("PUSH-DELETE-PROTECTED", ERROR, "A push would delete a protected branch",
         "The records' branch cannot be deleted. If a branch really must go, a server "
         "administrator removes it on the server."),
    Rule("PUSH-NEW-ROOT", ERROR, "A push brings a second first commit",
         "A separate history cannot be pushed into the records repository under any name. "
         "Clone the server's repository and make your changes there."),
    Rule("PUSH-NOT-RECORDS", ERROR, "A pushed commit is not a records repository",
         "Every branch on this server must hold supervision.yml. Push only branches of the "
         "records repository."),
    # Sealed records (issue 19)
    Rule("SEAL-CLEAR-TEXT", ERROR, "A sealed repository holds free text in clear",
         "This repository seals records, so answers in words must never be stored readable. "
         "Run `supervision seal install` in your copy (it sets up the sealing), then `git add` "
         "the record again and commit; `supervision submit` does all of this."),
    Rule("SEAL-DAMAGED", ERROR, "A sealed record's sealed block is damaged",
         "Someone changed the sealed part of the record by hand. Restore it from git "
         "(git checkout -- FILE) or ask one of its readers to save it again."),
    Rule("SEAL-READERS-NOT-STAGED", ERROR, "A sealed record is staged without its readers file",
         "The readers file beside it (NAME.yaml.readers) holds the keys that open this version; "
         "committed without it, nobody could read what you wrote. Add it too: git add "
         "NAME.yaml.readers (the message names it), then commit again. `supervision submit` "
         "adds both for you."),
    Rule("SEAL-NOT-READER", ERROR, "You are not a reader of this record",
         "Only the record's own people, the readers your school names and the records "
         "admins' recovery key can read its answers. Ask one of them if you need to know."),
    Rule("READERS-CHANGED-NOT-ADMIN", ERROR,
         "Who can read a sealed record was changed without a records admin",
         "The readers file beside a sealed record (NAME.yaml.readers) decides who can open its "
         "answers, so only a records admin may change it on its own (`supervision seal "
         "readers`), or the record's own people when they save a new version of it "
         "(`supervision submit`). Tell the records admin: they look at the change with "
         "`git log -- FILE` and set the readers again with `supervision seal "
         "readers`, in a commit signed with their registered key."),
    Rule("READER-NO-ENC-KEY", WARNING, "A reader has no key that sealed records can be "
         "encrypted to",
         "They cannot read records sealed now. They run `supervision keys create` (a new "
         "key has an encryption key), or add one to their key (gpg --quick-add-key FINGERPRINT "
         "cv25519 encr) and send it again; a records admin registers it with "
         "`supervision keys import`, commits it and runs `supervision seal readers` so the "
         "records sealed in the meantime open for them too."),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def register(*rules: Rule) -> None:
    """Add rules owned by another module (sign-off, calendar, privacy)."""
    for rule in rules:
        existing = RULES.get(rule.id)
        if existing is not None and existing != rule:
            raise ValueError(f"rule {rule.id} registered twice with different content")
        RULES[rule.id] = rule


def problem(
    rule_id: str,
    path: str,
    line: int,
    col: int,
    message: str,
    hint: str | None = None,
    severity: str | None = None,
) -> Problem:
    rule = RULES[rule_id]
    return Problem(
        path=path,
        line=line,
        col=col,
        rule=rule_id,
        severity=severity or rule.severity,
        message=message,
        hint=rule.hint if hint is None else hint,
    )


__all__ = ["ERROR", "WARNING", "RULES", "Rule", "problem", "register"]
