"""One commit of the protected line, judged: its object, signature, trust change, claim.

:class:`CommitJudge` is given the commit, what it changed, its trailers and the
entry of the commit below it on the line, and makes its :class:`Entry` (what
:mod:`supervision.signing.verify` caches). Nothing here depends on anything but the
commit and the line below it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from supervision.reporters import plural
from supervision.rules import problem
from supervision.signing.analysis import MALFORMED, NONE, Entry, Finding, describe_signature
from supervision.signing.gitio import RawCommit
from supervision.signing.openpgp import (
    BACKDATED,
    BAD,
    EXPIRED,
    FUTURE,
    GOOD,
    NOT_SIGNING,
    REVOKED,
    UNKNOWN_KEY,
    UNREADABLE,
    WEAK_HASH,
    WEAK_KEY,
    Verdict,
)
from supervision.signing.signoff import READERS_SUFFIX, Trailers, is_record_path
from supervision.signing.trust import (
    CONFIG_FILE,
    NOBODY,
    PEOPLE_FILE,
    TrustIds,
    TrustState,
    is_trust_path,
    short,
)

if TYPE_CHECKING:
    from supervision.signing.line_pass import LinePass

#: What an entry holds when it has no findings or readers changes (nearly always): one
#: empty tuple shared by tens of thousands of entries rather than an empty list each.
NOTHING: tuple[Any, ...] = ()

#: A signature may be at most this much older than its own commit...
SKEW = 15 * 60
#: ... or than an earlier good signature on the line (clocks on different machines
#: differ a little), and at most this much later than the verifying machine's clock.
LINE_SKEW = 5 * 60

#: Signature results reported on any commit: rule and message.
_SIGNATURE_PROBLEMS = {
    UNREADABLE: ("SIGNATURE-UNREADABLE", "commit {commit} carries a signature block that is "
                 "not a readable OpenPGP signature"),
    BAD: ("SIGNATURE-BAD", "commit {commit} was changed after {key} signed it: the signature "
          "does not match"),
    EXPIRED: ("KEY-EXPIRED", "commit {commit} is signed with {key}, which had expired on the "
              "line when it signed"),
    REVOKED: ("KEY-REVOKED", "commit {commit} is signed with {key}, which has been revoked"),
    BACKDATED: ("SIGNATURE-BACKDATED", "commit {commit} is signed by {key} with a signature "
                "dated before the commit, or before an earlier signature on the line"),
    FUTURE: ("SIGNATURE-FUTURE", "commit {commit} is signed by {key} with a signature dated "
             "more than five minutes after this computer's clock"),
    WEAK_KEY: ("KEY-WEAK", "commit {commit} is signed with {key}, which is too weak to trust "
               "({detail})"),
    WEAK_HASH: ("SIGNATURE-WEAK-HASH", "commit {commit} is signed by {key} with the {detail} "
                "hash, which is too weak to trust"),
    NOT_SIGNING: ("KEY-NOT-SIGNING", "commit {commit} is signed by a (sub)key of {key} that "
                  "is not allowed to make signatures"),
}


def _how(sig: str, state: TrustState, fpr: str | None) -> str:
    """The signature a commit has, for a message: 'signed by deputy-sample (key …)'."""
    return f"signed by {state.label(fpr)}" if sig == GOOD else describe_signature(sig)


class CommitJudge:
    """Judges one commit of the line, given the entry of the commit below it."""

    def __init__(self, owner: LinePass, rc: RawCommit, tree: str, parents: tuple[str, ...],
                 changes: list[tuple[str, str | None, str | None]], trailers: Trailers,
                 new_ids: TrustIds | None, found: dict[str, Any]) -> None:
        self.o = owner
        self.a = owner.a
        self.rc = rc
        self.tree = tree
        self.parents = parents
        self.changes = changes
        self.trailers = trailers
        self.new_ids = new_ids
        self.found = found
        self.findings: list[Finding] = []
        self.short = rc.oid[:10]

    def report(self, rule: str, message: str, person: str | None, path: str,
               severity: str | None = None) -> None:
        self.findings.append(Finding(problem(rule, path, 1, 1, message, severity=severity),
                                     self.rc.oid, person))

    def judge(self) -> Entry:
        a, rc, prev = self.a, self.rc, self.o.previous
        loader = a.loader
        assert loader is not None
        states = a.states
        before_ids = states[prev.trust] if prev else (self.new_ids or NOBODY)
        tree_before = states[prev.tree_trust] if prev else NOBODY
        tree_now = self.new_ids if self.new_ids is not None else tree_before
        clock = prev.clock if prev else 0
        state = loader.state(before_ids)
        records = [[p, n, o] for p, n, o in self.changes if is_record_path(p)]
        where = (self.trailers.claim.path if self.trailers.claim else None) or next(
            (c[0] for c in records), None) or next((p for p, _n, _o in self.changes), ".")

        malformed = rc.malformed
        if malformed is None and (rc.tree != self.tree or rc.parents != self.parents):
            malformed = "git reads its tree or parents differently from its text"
        if malformed is not None:
            self.report("COMMIT-MALFORMED", f"commit {self.short} is not a commit as git "
                        f"writes one ({malformed}); it counts as unsigned", None, where)
            verdict = Verdict(MALFORMED)
        elif rc.signature is None:
            verdict = Verdict(NONE)
        else:
            verdict = state.keyring.verify(rc.payload, rc.signature, self.o.v.now,
                                             self.o.known)
        sig = verdict.status
        if sig == GOOD:
            made = verdict.created if verdict.created is not None else rc.committer_time
            if verdict.revoked:
                sig = REVOKED  # revoked on the line: whatever the signature's date says
            elif verdict.expires is not None and verdict.expires <= clock:
                sig = EXPIRED  # the line has moved past the key's expiry
            elif made > self.o.v.now + LINE_SKEW:
                sig = FUTURE
            elif made < rc.committer_time - SKEW or made < clock - LINE_SKEW:
                sig = BACKDATED
            else:
                clock = max(clock, made)
        if len(self.parents) > 1:
            others = plural(len(self.parents) - 1, "other line")
            self.report("HISTORY-MERGE", f"commit {self.short} merges {others} into the "
                        "protected line, which must be straight",
                        None, where)
        # interned: the same few keys and authors sign tens of thousands of commits
        fpr = sys.intern(verdict.fingerprint) if verdict.fingerprint else None
        signer = state.person_for(fpr) if sig == GOOD else None
        admin = sig == GOOD and fpr in state.admins
        if sig in _SIGNATURE_PROBLEMS:
            rule, text = _SIGNATURE_PROBLEMS[sig]
            self.report(rule, text.format(commit=self.short, key=state.label(fpr),
                                          detail=verdict.detail or ""),
                        state.person_for(fpr) or self._claimed_holder(), where)
        entry = Entry(
            id=rc.oid, parents=self.parents, tree=self.tree, time=rc.committer_time,
            author_time=rc.author_time, author=sys.intern(rc.author), sig=sig, fpr=fpr, signer=signer,
            admin=admin, changes=records, signoff=None, trust=0, tree_trust=0,
            pending=prev.pending if prev else None, clock=clock,
            confirms=self.trailers.confirms, reason=self.trailers.reason)
        accepted = self._trust(entry, state, before_ids, tree_now)
        accepted = self._approval(entry, state, tree_now) or accepted
        entry.trust = self.o._state_index(accepted)
        entry.tree_trust = self.o._state_index(tree_now)
        entry.signoff = self._claim(entry, state, where)
        entry.readers = sorted(p.removesuffix(READERS_SUFFIX) for p, _n, _o in self.changes
                               if p.endswith(READERS_SUFFIX)
                               and is_record_path(p.removesuffix(READERS_SUFFIX))) or NOTHING
        entry.findings = [f.as_dict() for f in self.findings] or NOTHING
        return entry

    def _claimed_holder(self) -> str | None:
        """The person the record names in the role a sign-off claims (whom it concerns)."""
        claim = self.trailers.claim
        if claim is None:
            return None
        obj = self.found.get(f"{self.rc.oid}:{claim.path}")
        if obj is None or obj.type != "blob":
            return None
        return self.o.v.facts(obj.oid, obj.data, claim.path).holder(claim.role)

    # -- who may sign from now on ----------------------------------------------------
    def _trust(self, entry: Entry, state: TrustState, before_ids: TrustIds,
               tree_now: TrustIds) -> TrustIds:
        how = _how(entry.sig, state, entry.fpr)
        if not self.parents:
            if not entry.admin:
                self.report("SIGNOFF-NO-TRUST-ROOT",
                            f"the first commit ({self.short}) is not signed by a records admin "
                            f"key that its own supervision.yml lists ({how}), so no key in "
                            "this repository can be trusted", entry.signer, CONFIG_FILE)
                return NOBODY
            return before_ids
        if self.new_ids is None:
            return before_ids
        if self.new_ids == before_ids:
            entry.pending = None  # the trust files are back as they count
            return before_ids
        path = PEOPLE_FILE if any(p == PEOPLE_FILE for p, _n, _o in self.changes) else next(
            (p for p, _n, _o in self.changes if is_trust_path(p)), PEOPLE_FILE)
        if not entry.admin:
            entry.pending = None
            self._not_admin(state, before_ids, how, path, entry)
            return before_ids
        person = state.admin_person(str(entry.fpr))
        if before_ids.required <= 1:
            self._accept(entry, state, entry.id, [person], self.new_ids)
            entry.pending = None
            return self.new_ids
        entry.pending = [entry.id, self.o._state_index(self.new_ids), [person]]
        self.report("TRUST-CHANGE-PENDING",
                    f"commit {self.short} changes who may sign; it counts once "
                    f"{before_ids.required} different records admins have signed it (so far: "
                    f"{person}). Run `supervision keys approve {entry.id}`.", person, path)
        return before_ids

    def _not_admin(self, state: TrustState, before_ids: TrustIds, how: str, path: str,
                   entry: Entry) -> None:
        assert self.new_ids is not None and self.a.loader is not None
        after = self.a.loader.state(self.new_ids)
        moved = sorted({p for f, p in after.people.items() if state.people.get(f) != p}
                       | {p for f, p in state.people.items() if after.people.get(f) != p})
        parts = []
        if self.new_ids.people != before_ids.people:
            parts.append(PEOPLE_FILE)
        if self.new_ids.keys != before_ids.keys:
            parts.append("keys/")
        if (self.new_ids.admins, self.new_ids.required) != (before_ids.admins,
                                                             before_ids.required):
            parts.append("the admins in supervision.yml")
        for_whom = f" (keys of {', '.join(moved)})" if moved else ""
        self.report("TRUST-CHANGE-NOT-ADMIN",
                    f"commit {self.short} changed {' and '.join(parts) or 'the trust files'}"
                    f"{for_whom} without a records admin's signature ({how}); the change does "
                    "not count", entry.signer or (moved[0] if moved else None), path)

    def _accept(self, entry: Entry, state: TrustState, change: str, approvers: list[str],
                ids: TrustIds) -> None:
        """Record that ``change`` now counts, and which people got an additional key."""
        assert self.a.loader is not None
        after = self.a.loader.state(ids)
        added = [[f, p] for f, p in sorted(after.people.items())
                 if f not in state.people and state.fingerprints_of(p)]
        entry.accepted = [change, approvers, added]

    def _approval(self, entry: Entry, state: TrustState, tree_now: TrustIds) -> TrustIds | None:
        """An approval of another admin's change (``Supervision-Approve: COMMIT``); the
        trust state that now counts, when this approval was the one still needed."""
        wanted = self.trailers.approves
        if wanted is None:
            return None
        entry.approves = wanted
        where = PEOPLE_FILE
        if not entry.admin:
            self.report("TRUST-APPROVAL-INVALID", f"commit {self.short} approves {wanted[:10]} "
                        f"but is not signed by a records admin ({_how(entry.sig, state, entry.fpr)})",
                        entry.signer, where)
            return None
        person = state.admin_person(str(entry.fpr))
        pending = entry.pending
        if pending is not None and pending[0] == wanted:
            if person in pending[2]:
                self.report("TRUST-APPROVAL-INVALID", f"commit {self.short}: {person} has "
                            f"already signed or approved {wanted[:10]}; it needs a different "
                            "records admin", person, where)
                return None
            ids = self.a.states[pending[1]]
            if ids != tree_now:
                self.report("TRUST-APPROVAL-INVALID", f"commit {self.short} approves "
                            f"{wanted[:10]}, but the trust files have changed since", person,
                            where)
                return None
            approvers = [*pending[2], person]
            entry.approved_by = person
            before = self.a.states[self.o.previous.trust] if self.o.previous else NOBODY
            if len(set(approvers)) >= before.required:
                self._accept(entry, state, wanted, approvers, ids)
                entry.pending = None
                return ids
            entry.pending = [pending[0], pending[1], approvers]
            return None
        if wanted in self.o.accepted:
            entry.approved_by = person  # a later approval: counts towards confirming new keys
            return None
        self.report("TRUST-APPROVAL-INVALID", f"commit {self.short} approves {wanted[:10]}, "
                    "which is not a change of who may sign on this line", person, where)
        return None

    # -- the sign-off this commit claims -----------------------------------------------
    def _claim(self, entry: Entry, state: TrustState, where: str) -> dict[str, Any] | None:
        claim, error = self.trailers.claim, self.trailers.error
        signer = entry.signer
        if error is not None:
            self.report("SIGNOFF-BAD-TRAILERS", f"commit {self.short} has Supervision trailers "
                        f"but {error}", signer, where)
            return None
        if claim is None:
            return None
        role = claim.role
        blob_obj = self.found.get(f"{entry.id}:{claim.path}")
        facts = None
        if blob_obj is not None and blob_obj.type == "blob":
            facts = self.o.v.facts(blob_obj.oid, blob_obj.data, claim.path)
        holder = facts.holder(role) if facts is not None else None
        fpr = entry.fpr
        ok = False
        if blob_obj is None or blob_obj.type != "blob" or facts is None:
            self.report("SIGNOFF-RECORD-MISSING", f"commit {self.short} signs {claim.path} as "
                        f"{role}, but no such record exists in that commit", signer, where)
        elif blob_obj.oid != claim.blob:
            self.report("SIGNOFF-BLOB-MISMATCH", f"commit {self.short} signs version "
                        f"{claim.blob[:10]} of this record as {role}, but the commit holds "
                        f"version {blob_obj.oid[:10]}: history was rewritten after signing",
                        signer or holder, where)
        elif facts.form is None or role not in facts.signers:
            roles = ", ".join(facts.signers) or "none"
            self.report("SIGNOFF-ROLE-UNKNOWN", f"commit {self.short} signs as '{role}', which "
                        f"is not a signing role of this record (roles: {roles})", signer, where)
        elif entry.sig in (NONE, MALFORMED):
            self.report("SIGNOFF-UNSIGNED", f"commit {self.short} claims a sign-off as {role} "
                        f"(the record names {holder}) but carries no valid signature", holder,
                        where)
        elif entry.sig == UNKNOWN_KEY or (entry.sig == GOOD and signer is None):
            listed = fpr is not None and fpr in state.people
            why = ("people.yml lists it but keys/ holds no copy of it" if listed else
                   "people.yml did not list it for anyone at that point")
            key_words = f"key {short(fpr)}" if fpr else "a key"
            self.report("KEY-UNKNOWN", f"commit {self.short} signs as {role} (the record names "
                        f"{holder}) with {key_words}, but {why}", holder, where)
        elif entry.sig != GOOD:
            pass  # already reported with its own rule
        elif len({p for _r, p in facts.holders}) < len(facts.holders):
            self.report("SIGNOFF-SAME-PERSON", f"commit {self.short} signs a record that names "
                        f"{holder} in more than one role", signer, where)
        elif signer != holder:
            self.report("SIGNOFF-WRONG-PERSON", f"commit {self.short} signs as {role} with "
                        f"{signer}'s key, but this record's {role} is {holder}", signer, where)
        else:
            ok = True
        # interned: the same strings as the changes' paths and blob ids (gitio.changes)
        return {"role": sys.intern(role), "path": sys.intern(claim.path),
                "blob": sys.intern(claim.blob), "person": signer if ok else holder,
                "signers": list(facts.signers) if facts else [], "ok": ok}
