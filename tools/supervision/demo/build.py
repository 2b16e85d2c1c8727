"""The demo trust: a complete, fictional records repository with a signed history.

``supervision demo DIR`` (:mod:`supervision.cli.demo`) calls :func:`build`:

1. :func:`~supervision.demo.story.plan` works out, for three fictional schools (two on the ``agenda``
   profile, one on ``reflective``), a year and a bit of supervision up to
   today: contracts, one-to-one and group sessions, case notes, QA reviews,
   informal notes, the school supervisors' own supervision, and who signs what
   and when. Nine problems are planted on purpose (:data:`PLANTED`);
   :func:`~supervision.demo.followups.follow_up` adds chronology entries, the escalated
   dispute and QA answers from the records.
2. :class:`~supervision.demo.replay.Keyring` makes a throwaway ed25519 key per person in ``DIR/gnupg``
   (GnuPG told the time the story is at, so keys and signatures fit the dates).
3. :class:`~supervision.demo.replay.History` replays the plan as git commits in ``DIR/trust``: the trust
   root signed by the records admin, each record committed by its author, and
   each sign-off as the same signed commit ``supervision sign`` makes. The
   dispute is signed by running ``supervision sign --disagree`` itself.

Everything here is synthetic: people are "(fictional)", case references are
random, free text comes from :mod:`supervision.demo.synthetic`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from supervision.deadlines.school_year import add_months
from supervision.demo.followups import follow_up
from supervision.demo.replay import History, Keyring
from supervision.demo.story import ORG, DemoError, Plan, moment, plan, write_people

#: The file that marks a folder as a demo, so a re-run may replace it (and nothing else).
MARKER = ".supervision-demo"

# -- the whole thing -------------------------------------------------------------------------
@dataclass
class Built:
    root: Path
    keyring: Path
    plan: Plan
    commits: int
    signoffs: int
    by_kind: dict[str, int]


def prepare(folder: Path) -> None:
    """Make ``folder`` ready: remove an earlier demo there; refuse anything else."""
    if folder.exists() and not folder.is_dir():
        raise DemoError(f"{folder} is a file, not a folder", "Choose another folder.")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / MARKER).is_file():
            raise DemoError(f"{folder} is not empty and was not made by `supervision demo`; "
                            "nothing was changed",
                            "Choose a new folder, or empty this one yourself.")
        Keyring(folder / "gnupg").stop()
        shutil.rmtree(folder)
    # gpg-agent's socket lives in the keyring folder when /run/user is missing.
    if len(str((folder / "gnupg" / "S.gpg-agent.browser").resolve())) > 100:
        raise DemoError(f"the folder path {folder.resolve()} is too long for gpg-agent's "
                        "sockets (about 100 characters at most)",
                        "Choose a shorter folder, e.g. /tmp/supervision-demo.")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("Made by `supervision demo`: running it again replaces this "
                                 "folder.\n", encoding="utf-8")


def build(folder: Path, today: dt.date, say: Any = print, sealed: bool = False) -> Built:
    """Build the demo trust in ``folder/trust`` with keys in ``folder/gnupg``.

    ``sealed``: ``privacy: sealed: true``, an encryption key for every person, and every
    record stored sealed to its readers (its people, the school's headteacher, the trust
    safeguarding lead)."""
    folder = folder.resolve()  # git runs inside the trust: every path must be absolute
    prepare(folder)
    root = folder / "trust"
    done = subprocess.run([sys.executable, "-m", "supervision", "init", str(root), "--profile",
                           "agenda", "--org", ORG, "--no-hooks", "--no-seal", "--today",
                           today.isoformat()],  # sealed below, once every key is made
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise DemoError("supervision init failed: " + (done.stderr.strip() or done.stdout))
    the_plan = plan(root, today, follow_up)
    start = moment(dt.date(the_plan.first_year, 8, 20), 10)
    keyring = Keyring(folder / "gnupg")
    say(f"Making {len(the_plan.people)} throwaway signing keys in {keyring.home} ...")
    # Valid for three years after the later of the story's today and the real one.
    expires = add_months(max(today, dt.date.today()), 36)
    fingerprints = {p.id: keyring.create(p, start, expires, encryption=sealed)
                    for p in the_plan.people}
    write_people(root, the_plan.people, fingerprints)
    for person in the_plan.people:
        (root / "keys" / f"{person.id}.asc").write_bytes(keyring.export(fingerprints[person.id]))
    config_path = root / "supervision.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["admins"] = [fingerprints["records-admin"]]
    if sealed:
        config.setdefault("privacy", {}).update(sealed=True, readers=["headteacher",
                                                                      "trust-lead"])
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    history = History(root, keyring, the_plan.people, fingerprints, sealed)
    if sealed:  # .gitattributes and the clean/smudge filter in this copy
        done = subprocess.run([sys.executable, "-m", "supervision", "seal", "install"],
                              cwd=root, env=keyring.env(), capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            raise DemoError("supervision seal install failed: "
                            + (done.stderr.strip() or done.stdout))
    history.git("records-admin", start, "add", "-A")
    history.commit("records-admin", start + dt.timedelta(hours=1),
                   f"Start the supervision records of {ORG}\n\nSettings, people, their "
                   "registered keys, calendars and the staff site's pages.\n")
    events = the_plan.events()
    say(f"Writing {len(the_plan.records)} records and their sign-offs as signed commits, "
        f"{events[0].when:%d %B %Y} to {events[-1].when:%d %B %Y} ...")
    history.replay(events)
    if sealed:  # the index learns that the readable working tree matches it (one filter run)
        history.git("records-admin", events[-1].when, "update-index", "-q", "--refresh")
    keyring.stop()
    by_kind: dict[str, int] = defaultdict(int)
    for rec in the_plan.records:
        kind = str(rec.data.get("kind"))
        by_kind[f"group {kind}" if rec.data.get("format") == "group" else kind] += 1
    return Built(root, keyring.home, the_plan, history.commits, history.signoffs, dict(by_kind))
