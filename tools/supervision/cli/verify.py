"""``supervision verify``: sign-off status of every record, and every problem in history."""

from __future__ import annotations

import argparse
import base64
import json
import sys
import zlib
from collections import Counter
from typing import Any

from supervision.cli import EXIT_FINDINGS, EXIT_OK, UsageError, open_repo


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "verify", parents=[common],
        help="check every sign-off in the history against the repository's own keys",
        description="Read the whole git history once and report each record's sign-off "
        "status (draft, awaiting-<role>, agreed, disputed, stale, planned, cancelled) and "
        "every bad, unknown, expired, revoked or misused signature and every key change not "
        "signed by a records admin. Trusts only the keys registered in this repository, never your own GnuPG "
        "keyring. Exit code: 0 no errors, 1 errors found (or a shallow clone), 2 usage error.",
    )
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for people (default) or json (see the README)")
    p.add_argument("--since", metavar="REV",
                   help="report only on commits after REV (e.g. origin/main); the whole "
                   "history is still read to know whose keys count")
    p.add_argument("--no-cache", action="store_true",
                   help="check every commit again instead of reusing earlier results")
    p.add_argument("--trust-root", metavar="COMMIT",
                   help="the first commit the history must start at (default: "
                   "SUPERVISION_TRUST_ROOT, else the one this clone pinned on its first run)")
    p.set_defaults(run=run)


def _in_range(analysis: Any, git: Any, since: str) -> set[str]:
    rev = git.resolve(since)
    if rev is None:
        raise UsageError(f"--since {since!r} is not a commit in this repository",
                         "Give a branch, tag or commit id, e.g. --since origin/main.")
    return {oid for oid, _parents in git.rev_list(analysis.head, f"^{rev}")}


def _write_json(out: Any, document: dict[str, Any], first: bool = True) -> None:
    """A JSON object's members, one line per list item: readable, and written by json's C
    encoder (``indent`` would switch to the pure-Python one, slow for 10,000 records).
    A list's items may be objects with ``as_dict`` (statuses, findings): each is turned
    into its dict and written one at a time, so the whole document never sits in memory.
    ``first``: these are the object's first members (more may follow, or went before)."""
    for number, (key, value) in enumerate(document.items()):
        out.write(("{\n" if first else ",\n") if number == 0 else ",\n")
        out.write(f"  {json.dumps(key)}: ")
        if isinstance(value, list) and value:
            for index, item in enumerate(value):
                plain = item.as_dict() if hasattr(item, "as_dict") else item
                out.write(("[\n    " if index == 0 else ",\n    ")
                          + json.dumps(plain, ensure_ascii=False))
            out.write("\n  ]")
        else:
            out.write(json.dumps(value, ensure_ascii=False))


class _Remembering:
    """Standard output that also keeps, compressed, what was written through it: the
    report's body (tens of megabytes of statuses for a large trust) is remembered
    without a second copy of it in memory."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self._zip = zlib.compressobj(1)
        self._parts: list[bytes] = []

    def write(self, text: str) -> int:
        self._parts.append(self._zip.compress(text.encode("utf-8")))
        return int(self.out.write(text))

    def kept(self) -> str:
        self._parts.append(self._zip.flush())
        return base64.b64encode(b"".join(self._parts)).decode("ascii")


def _tail(out: Any, fmt: str, summary: dict[str, Any], checked: int, pinned_now: bool) -> int:
    """The end of the report, which differs between runs of one history (how many commits
    were checked now, whether the trust root was pinned now); its exit code."""
    trust = summary["trust"]
    if fmt == "json":
        _write_json(out, {"summary": {
            "records": summary["records"], "statuses": summary["statuses"],
            "commits": summary["commits"], "checked_now": checked, "shallow": False}},
            first=False)
        out.write("\n}\n")
        return EXIT_FINDINGS if summary["errors"] else EXIT_OK
    from supervision import reporters

    statuses = ", ".join(f"{n} {s}" for s, n in summary["statuses"].items()) or "none"
    plural = reporters.plural
    out.write(f"{plural(summary['records'], 'record')} ({statuses}); "
              f"{plural(summary['errors'], 'error')}, "
              f"{plural(summary['warnings'], 'warning')}; "
              f"{plural(summary['commits'], 'commit')} ({checked} checked now, the "
              "rest remembered).\n")
    if trust is not None:
        admins = ", ".join(f"{a['person'] or 'no person'} {a['fingerprint']}"
                           for a in trust["admins"]) or "none"
        pin = (" (pinned in this clone now: later runs refuse any other first commit)"
               if pinned_now else " (pinned)" if trust["pinned"] else "")
        out.write(f"Trust root: first commit {trust['commit'][:10]}{pin}, signed by key "
                  f"{trust['signed_by']}. Records admin keys now: {admins}; "
                  f"{trust['admins_required']} needed for a change of who may sign.\n")
    return EXIT_FINDINGS if summary["errors"] else EXIT_OK


def _print_kept(out: Any, fmt: str, kept: Any) -> int | None:
    """Print a remembered report (nothing checked now, nothing pinned now); its exit code,
    or None (nothing printed) when the stored row is not one."""
    if not (isinstance(kept, list) and len(kept) == 2 and isinstance(kept[0], str)
            and isinstance(kept[1], dict)):
        return None
    try:
        body = zlib.decompress(base64.b64decode(kept[0], validate=True)).decode("utf-8")
    except (ValueError, zlib.error):  # binascii.Error is a ValueError
        return None
    out.write(body)
    del body
    return _tail(out, fmt, kept[1], 0, False)


def _detail(record: Any) -> str:
    signed = ", ".join(f"{s.role} {s.person} {s.as_dict(record.blob)['date'][:10]}"
                       + ("" if s.blob == record.blob else " (earlier version)")
                       for s in record.signoffs)
    if record.status.startswith("awaiting-"):
        role = record.status.removeprefix("awaiting-")
        return f"signed by {signed}; waiting for {role} {record.holders.get(role, '?')}"
    if record.status == "stale":
        by = record.changed_by or {}
        return (f"changed in commit {str(by.get('commit', ''))[:10]} by {by.get('who')} "
                f"after the sign-off ({signed})")
    if record.status == "deleted":
        gone = record.deleted_by or {}
        reason = f"; reason: {gone['reason']}" if gone.get("reason") else ""
        return (f"deleted in commit {str(gone.get('commit', ''))[:10]} by {gone.get('person')}"
                f"{reason} (it was signed by {signed})")
    if record.status in ("planned", "cancelled"):
        if record.status == "planned":
            return "a planned session, not held yet: it is signed once it has been held " \
                "and recorded"
        return "a cancelled session: no signatures are needed"
    if record.status == "draft":
        waiting = ", ".join(f"{r} {record.holders.get(r, '?')}" for r in record.signers)
        return f"not signed yet (to sign: {waiting})" if waiting else "no one signs this form"
    return f"signed by {signed}"


def run(args: argparse.Namespace) -> int:
    import os

    from supervision import reporters
    from supervision.problems import ERROR, WARNING
    from supervision.signing.analysis import NotAGitRepository
    from supervision.signing.gitio import Git
    from supervision.signing.verify import Verifier, report_stamp

    repo = open_repo(args)
    git = Git(repo.root)
    root = args.trust_root or os.environ.get("SUPERVISION_TRUST_ROOT") or None
    if root is not None and (len(root.split()[0]) < 7 or not all(
            c in "0123456789abcdefABCDEF" for c in root.split()[0])):
        raise UsageError(f"--trust-root {root!r} is not a commit id",
                         "Give the full id of the repository's first commit "
                         "(git rev-list --max-parents=0 HEAD).")
    verifier = Verifier(repo, git, use_cache=not args.no_cache, trust_root=root)
    # The same history, code and profiles as a run that printed its report: printed as
    # remembered (only --since, which picks from it, works it out again).
    store = None if args.since else verifier.report_store()
    if store is not None:
        cache, stamp = store
        code = _print_kept(sys.stdout, args.format, cache.get(args.format, stamp))
        if code is not None:
            cache.close()
            return code
    try:
        analysis = verifier.run()
    except NotAGitRepository as exc:
        raise UsageError(str(exc), "Sign-off lives in git history: run `git init` and commit "
                         "the records first.") from None
    pinned_now = verifier.pin(analysis)
    findings = analysis.findings
    records = analysis.records
    if args.since and not analysis.shallow:
        wanted = _in_range(analysis, git, args.since)
        findings = [f for f in findings if f.commit is None or f.commit in wanted]
        touched = {c[0] for oid in wanted for c in analysis.entries[oid].changes}
        touched |= {so["path"] for oid in wanted
                    if (so := analysis.entries[oid].signoff) is not None}
        records = [r for r in records if r.path in touched]
    findings.sort(key=lambda f: (f.problem.path, f.problem.rule, f.commit or ""))
    errors = [f for f in findings if f.problem.severity == ERROR]
    warnings = [f for f in findings if f.problem.severity == WARNING]
    counts = Counter(r.status for r in records)
    summary = {"records": len(records), "statuses": dict(sorted(counts.items())),
               "commits": len(analysis.graph), "errors": len(errors),
               "warnings": len(warnings), "trust": analysis.trust_root()}
    remember = _Remembering(sys.stdout) if store is not None and not analysis.shallow \
        and analysis.head is not None else None
    out: Any = remember or sys.stdout
    if args.format == "json":
        if analysis.shallow:
            _write_json(out, {"records": records, "errors": errors, "warnings": warnings,
                              "trust": summary["trust"], "summary": {
                                  "records": len(records), "statuses": summary["statuses"],
                                  "commits": len(analysis.graph), "checked_now": 0,
                                  "shallow": True}})
            out.write("\n}\n")
            return EXIT_FINDINGS if errors else EXIT_OK
        _write_json(out, {"records": records, "errors": errors, "warnings": warnings,
                          "trust": summary["trust"]})
    else:
        width = max((len(r.status) for r in records), default=0)
        for record in records:
            out.write(f"{record.status.ljust(width)}  {record.path}  {_detail(record)}\n")
        reporters.text([f.problem for f in findings], out)
        if analysis.shallow:
            out.write("Nothing was verified: this clone does not hold the whole history.\n")
            return EXIT_FINDINGS
    code = _tail(sys.stdout, args.format, summary, analysis.checked, pinned_now)
    if remember is not None and store is not None and analysis.head is not None:
        cache, _stamp = store
        cache.write([(args.format, report_stamp(analysis.head, analysis.pinned_root),
                      [remember.kept(), summary])])
        cache.close()
    return code
