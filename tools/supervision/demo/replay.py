"""The demo's throwaway keys, and its story replayed as real, signed git commits.

:class:`Keyring` makes one ed25519 key per person in ``DIR/gnupg``, with GnuPG
told the time the story is at, so keys and signatures fit the dates.
:class:`History` replays the plan in date order in ``DIR/trust``: each record
committed by its author, and each sign-off as the same signed commit
``supervision sign`` makes (through a small ``gpg.program`` wrapper that passes
``--faked-system-time``). The dispute is signed by running
``supervision sign --disagree`` itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from supervision.demo.story import DISAGREEMENT, STALE_EDIT, DemoError, Event, Person
from supervision.signing.signoff import message as signoff_message


# -- keys ----------------------------------------------------------------------------------
class Keyring:
    """Throwaway GnuPG keys in the demo folder; gpg is told the story's time."""

    #: git runs this instead of gpg: the same gpg, at the time in SUPERVISION_DEMO_CLOCK.
    WRAPPER = "#!/bin/sh\nexec gpg ${SUPERVISION_DEMO_CLOCK:+--faked-system-time " \
              "\"$SUPERVISION_DEMO_CLOCK\"} \"$@\"\n"

    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.program = home / "gpg-at-demo-time"
        self.program.write_text(self.WRAPPER, encoding="utf-8")
        self.program.chmod(0o755)

    def env(self, when: dt.datetime | None = None) -> dict[str, str]:
        env = dict(os.environ, GNUPGHOME=str(self.home))
        if when is not None:
            env["SUPERVISION_DEMO_CLOCK"] = when.strftime("%Y%m%dT%H%M%S")
        return env

    def gpg(self, *args: str, when: dt.datetime | None = None) -> bytes:
        """Run gpg in the demo's home; ``when`` freezes its clock at that moment.

        Frozen, not started there: a running clock lets a slow machine date a primary
        key a second or two after ``when``, and a subkey then made at ``when`` would
        come "before" its primary, which gpg refuses ("Time conflict").
        """
        clock = ["--faked-system-time", when.strftime("%Y%m%dT%H%M%S!")] if when else []
        done = subprocess.run(["gpg", "--homedir", str(self.home), "--batch", "--pinentry-mode",
                               "loopback", "--passphrase", "", *clock, *args],
                              capture_output=True, timeout=120)
        if done.returncode != 0:
            said = [line for line in done.stderr.decode("utf-8", "replace").splitlines()
                    if line.strip() and "WARNING: running with faked system time" not in line]
            cause = [line for line in said if "failed" in line or "error" in line.lower()]
            raise DemoError("gpg failed: " + ("; ".join((cause or said)[-2:]) if said
                                              else f"exit {done.returncode}"),
                            "Check that GnuPG 2.2 or later is installed (gpg --version).")
        return done.stdout

    def create(self, person: Person, when: dt.datetime, expires: dt.date,
               encryption: bool = False) -> str:
        """A key made at the story's time ``when`` that expires on ``expires``.

        The expiry is a date, not a period from ``when``: ``supervision sign`` judges
        expiry by the real clock, so a period counted from a story that starts years
        ago would make the demo's own keys expire under it.
        """
        uid = f"{person.name} <{person.id}@example.invalid>"
        self.gpg("--quick-gen-key", uid, "ed25519", "sign", expires.isoformat(), when=when)
        listing = self.gpg("--with-colons", "--list-secret-keys", uid).decode()
        fprs = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr")]
        if encryption:  # sealed records are encrypted to it
            self.add_encryption(fprs[0], expires)
        return fprs[0].upper()

    def add_encryption(self, fingerprint: str, expires: dt.date) -> None:
        """An encryption subkey dated exactly when its primary key was made."""
        listing = self.gpg("--with-colons", "--list-secret-keys", fingerprint).decode()
        made = next(int(line.split(":")[5]) for line in listing.splitlines()
                    if line.startswith("sec:"))
        self.gpg("--quick-add-key", fingerprint, "cv25519", "encr", expires.isoformat(),
                 when=dt.datetime.fromtimestamp(made, dt.UTC))

    def export(self, fingerprint: str) -> bytes:
        return self.gpg("--export", "--armor", fingerprint)

    def stop(self) -> None:
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "all"],
                       capture_output=True, timeout=30)


# -- history -------------------------------------------------------------------------------
def blob_id(data: bytes) -> str:
    """git's object id of a file's content (what sign-off trailers name)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class History:
    """Replays a :class:`Plan` as real, signed git commits."""

    def __init__(self, root: Path, keyring: Keyring, people: list[Person],
                 fingerprints: dict[str, str], sealed: bool = False) -> None:
        self.root = root
        #: records are sealed as they are added (the repository's clean filter): each is
        #: committed with its readers file, and sign-offs name the sealed version
        self.sealed = sealed
        self.keyring = keyring
        self.people = {p.id: p for p in people}
        self.fingerprints = fingerprints
        self.commits = 0
        self.signoffs = 0
        self._repo: Any = None

    def _env(self, person: str, when: dt.datetime) -> dict[str, str]:
        who = self.people[person]
        stamp = when.isoformat()
        env = self.keyring.env(when)
        env.update({"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": f"{who.id}@example.invalid",
                    "GIT_COMMITTER_NAME": who.name,
                    "GIT_COMMITTER_EMAIL": f"{who.id}@example.invalid",
                    "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
                    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                    "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gpg.program",
                    "GIT_CONFIG_VALUE_0": str(self.keyring.program)})
        return env

    def git(self, person: str, when: dt.datetime, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, env=self._env(person, when),
                              capture_output=True, text=True, input=stdin, timeout=120)
        if done.returncode != 0:
            raise DemoError(f"git {args[0]} failed: {done.stderr.strip()}",
                            "Check that git 2.30 or later is installed (git --version).")
        return done.stdout

    def commit(self, person: str, when: dt.datetime, message: str,
               paths: list[str] | None = None) -> None:
        if paths:
            self.git(person, when, "add", "--", *paths)
            if self.sealed:  # sealing them (the add above) wrote their readers files
                self.git(person, when, "add", "--", *(f"{p}.readers" for p in paths))
        # A commit of what is staged needs no sealing: without this, git's refresh of
        # racily clean records would start the sealing filter for every sign-off.
        quick = ["-c", "filter.supervision-seal.process=", "-c",
                 "filter.supervision-seal.required=false"] if self.sealed else []
        self.git(person, when, *quick, "commit", "--quiet", "--no-verify", "--allow-empty",
                 f"--gpg-sign={self.fingerprints[person]}", "--file=-", stdin=message)
        self.commits += 1

    def replay(self, events: list[Event]) -> None:
        for event in events:
            rec = event.record
            path = self.root / rec.path
            if event.kind == "write":
                path.parent.mkdir(parents=True, exist_ok=True)
                self._versions(rec.data, event.person, event.when)
                text = _yaml(rec.data)
                path.write_text(text, encoding="utf-8")
                what = rec.data.get("kind", "record").replace("-", " ")
                message = f"Add {what} record {rec.path}\n"
                if rec.signed_on_write:  # written and signed in one commit
                    message = signoff_message(rec.signed_on_write, rec.path,
                                              self._blob(event, rec.path, text), event.person,
                                              False)
                    self.signoffs += 1
                self.commit(event.person, event.when, message, [rec.path])
            elif event.kind == "edit":
                if not _append_to_first_text(rec.data, STALE_EDIT):
                    raise DemoError(f"the demo found no text to edit in {rec.path}")
                path.write_text(_yaml(rec.data), encoding="utf-8")
                self.commit(event.person, event.when,
                            f"Correct {rec.path} after sign-off\n", [rec.path])
            elif rec.disagree_as == event.role:
                self._sign_with_disagreement(event)
            else:
                blob = (self.git(event.person, event.when, "rev-parse", f"HEAD:{rec.path}")
                        .strip() if self.sealed else blob_id(path.read_bytes()))
                message = signoff_message(event.role, rec.path, blob, event.person, False)
                self.commit(event.person, event.when, message)
                self.signoffs += 1

    def _blob(self, event: Event, relpath: str, text: str) -> str:
        """The version a sign-off of the record just written names: what git stores, so
        its sealed form when the demo seals (staged here: sealing it is the clean filter's
        work; the commit stages the same bytes again)."""
        if not self.sealed:
            return blob_id(text.encode("utf-8"))
        self.git(event.person, event.when, "add", "--", relpath)
        return self.git(event.person, event.when, "rev-parse", f":{relpath}").strip()

    def _versions(self, data: dict[str, Any], person: str, when: dt.datetime) -> None:
        """A record pointing at others names the version of each as it is on disk now
        (committed: sealed, when the demo seals), and a chronology entry each item by the
        id the record's facts give it (a sealed record's are in its clear part, made when
        it was sealed, so only the record on disk knows them)."""
        pointers = [e for e in data.get("entries") or () if isinstance(e, dict)]
        if isinstance(data.get("disputed"), dict):
            pointers.append(data["disputed"])
        for pointer in pointers:
            if pointer.get("version") is None and pointer.get("record"):
                pointer["version"] = (
                    self.git(person, when, "rev-parse", f"HEAD:{pointer['record']}").strip()
                    if self.sealed else blob_id((self.root / pointer["record"]).read_bytes()))
            if self.sealed and pointer.get("items"):
                ids = self._item_ids(str(pointer["record"]))
                for item in pointer["items"]:
                    item["id"] = ids.get(item.get("place"), item.get("id"))

    def _item_ids(self, relpath: str) -> dict[str, str]:
        """place -> id of the record's chronology items, from its facts as `check` has them."""
        from supervision.record_check import check_record
        from supervision.repo import RecordsRepo

        if self._repo is None:
            self._repo = RecordsRepo.load(self.root)
        _found, facts = check_record(self._repo, relpath)
        return {str(place): str(digest) for digest, place, *_rest
                in (facts or {}).get("chronology_items") or ()}

    def _sign_with_disagreement(self, event: Event) -> None:
        """The real ``supervision sign --disagree``: it writes the disagreement and signs."""
        env = self._env(event.person, event.when)
        done = subprocess.run([sys.executable, "-m", "supervision", "sign", event.record.path,
                               "--disagree", DISAGREEMENT, "--key",
                               self.fingerprints[event.person]],
                              cwd=self.root, env=env, capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            raise DemoError("supervision sign --disagree failed in the demo: "
                            + (done.stderr.strip() or done.stdout.strip()))
        self.commits += 1
        self.signoffs += 1


def _yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _append_to_first_text(data: Any, extra: str) -> bool:
    """Add ``extra`` to the first long free-text answer (the stale record's edit)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and len(value) > 40 and key != "action":
                data[key] = value + extra
                return True
            if _append_to_first_text(value, extra):
                return True
    elif isinstance(data, list):
        return any(_append_to_first_text(item, extra) for item in data)
    return False
