"""`supervision schedule`, `supervision cancel` and `supervision calendar show`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import yaml

from conftest import RecordsRepoFixture, digest_tree
from timeline import Timeline, by_rule

GOOD = (Path(__file__).resolve().parent.parent / "calendar" / "2026-27.yml").read_text()


def _proposed(out: str) -> list[tuple[str, str, str]]:
    """(date, supervisee, path) for each proposal line of `schedule`."""
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) > 6 and parts[4] == "with":
            rows.append((parts[0], parts[3], parts[-1]))
    return rows


def test_schedule_proposes_school_days_then_writes_planned_sessions(
        agenda_repo: RecordsRepoFixture, tmp_path: Path) -> None:
    t = Timeline(agenda_repo)
    # Close most of Spring 1's middle and the week before the May bank holiday, so the
    # proposals must step round closures and Monday 3 May.
    closed = [dt.date(2027, 1, 11) + dt.timedelta(days=n) for n in range(19)]
    closed += [dt.date(2027, 4, 26) + dt.timedelta(days=n) for n in range(5)]
    lines = "".join(f"  - {{date: {d}, reason: Test closure}}\n" for d in closed
                    if d.weekday() < 5)
    (t.root / "calendar" / "2026-27.yml").write_text(GOOD + lines)
    t.add("contract", "2026-09-01")
    t.add("contract", "2026-09-01", supervisee="ddsl-sample")
    held = t.add("session", "2026-11-16")                      # Autumn 2 done for dsl-sample
    t.add("session", "2027-03-03", supervisee="ddsl-sample", status="planned")  # Spring 2
    t.commit("2026-11-17")
    before = digest_tree(t.root)
    ics_file = tmp_path / "sessions.ics"
    dry = t.repo.cli("schedule", "--year", "2026-27", "--ics", str(ics_file),
                     "--today", "2026-11-22")
    assert dry.code == 0, dry.err
    assert "dry run" in dry.out and "nothing was written" in dry.out
    assert digest_tree(t.root) == before and not ics_file.exists()
    rows = _proposed(dry.out)
    from supervision.deadlines.school_calendar import load_calendar

    calendar = load_calendar(t.root)
    halves = {h.name: h for h in calendar.half_terms("2026-27")}
    per_person: dict[str, list[str]] = {}
    for day_text, pid, _path in rows:
        day = dt.date.fromisoformat(day_text)
        assert calendar.is_school_day(day), day         # no weekend, closure or bank holiday
        assert day >= dt.date(2026, 11, 29)             # a week's notice for case notes
        per_person.setdefault(pid, []).append(calendar.half_term_of(day).name)
    # dsl-sample's Autumn 2 (held) and ddsl-sample's Spring 2 (planned) are covered already;
    # ddsl-sample still gets an Autumn 2 session, a week or more from today.
    assert per_person["dsl-sample"] == ["Spring 1", "Spring 2", "Summer 1", "Summer 2"]
    assert per_person["ddsl-sample"] == ["Autumn 2", "Spring 1", "Summer 1", "Summer 2"]
    assert not any(halves["Spring 1"].start <= dt.date.fromisoformat(d) <= dt.date(2027, 1, 29)
                   and dt.date.fromisoformat(d) in closed for d, _, _ in rows)
    # The two people share a supervisor: never two proposals on the same day.
    assert len({d for d, _, _ in rows}) == len(rows)

    wrote = t.repo.cli("schedule", "--year", "2026-27", "--ics", str(ics_file), "--write",
                       "--time", "15:30", "--today", "2026-11-22")
    assert wrote.code == 0, wrote.err
    for _day, _pid, relpath in rows:
        data = yaml.safe_load((t.root / relpath).read_text())
        assert data["status"] == "planned" and data["start_time"] == "15:30"
    assert t.check("2026-11-22", *[r[2] for r in rows]) == []
    events = icalendar.Calendar.from_ical(ics_file.read_bytes()).walk("VEVENT")
    assert len(events) == len(rows) + 1  # with the planned session already in the repo
    starts = sorted(e.decoded("dtstart").strftime("%Y-%m-%d %H:%M") for e in events)
    assert "2027-03-03 15:30" in starts    # the one already planned (no time of its own)
    assert all(s.endswith("15:30") for s in starts)
    first_uids = {str(e["uid"]) for e in events}
    # Running again proposes nothing, overwrites nothing and keeps the events' ids.
    after = digest_tree(t.root)
    again = t.repo.cli("schedule", "--year", "2026-27", "--ics", str(ics_file), "--write",
                       "--today", "2026-11-22")
    assert again.code == 0 and _proposed(again.out) == []
    assert {k: v for k, v in digest_tree(t.root).items()} == after
    assert {str(e["uid"]) for e in icalendar.Calendar.from_ical(
        ics_file.read_bytes()).walk("VEVENT")} == first_uids
    assert held not in again.out


def test_schedule_refuses_a_year_without_a_calendar(agenda_repo: RecordsRepoFixture) -> None:
    bad = agenda_repo.cli("schedule", "--year", "2027-28")
    assert bad.code == 1 and "calendar/2027-28.yml" in bad.err
    wrong = agenda_repo.cli("schedule", "--year", "2027")
    assert wrong.code == 2 and "like 2026-27" in wrong.err


def test_cancel_edits_only_what_it_must_and_books_the_new_date(any_repo: RecordsRepoFixture
                                                               ) -> None:
    t = Timeline(any_repo)
    t.add("contract", "2026-09-01")
    made = t.repo.cli("new", "session", "--supervisee", "dsl-sample", "--status", "planned",
                      "--date", "2026-11-26")
    relpath = made.out.strip()
    path = t.root / relpath
    original = path.read_text()
    t.commit("2026-11-20")
    done = t.repo.cli("cancel", relpath, "--by", "dsl-sample", "--rebook", "2026-11-30",
                      "--reason", "Called to a strategy meeting: urgent", "--today", "2026-11-22")
    assert done.code == 0, done.err
    edited = path.read_text()
    old_lines, new_lines = original.splitlines(), edited.splitlines()
    # Every original line is still there, in order, except the status value.
    changed = [line for line in old_lines if line not in new_lines]
    assert changed == ["status: planned"]
    added = [line for line in new_lines if line not in old_lines]
    assert added == ["status: cancelled", "cancellation:", "  by: dsl-sample",
                     '  reason: "Called to a strategy meeting: urgent"',
                     "  rebooked_to: 2026-11-30"]
    data = yaml.safe_load(edited)
    assert data["cancellation"]["rebooked_to"] == dt.date(2026, 11, 30)
    new = "records/example-school/2026-27/dsl-sample/2026-11-30-session.yaml"
    assert f"wrote {new}" in done.out
    assert yaml.safe_load((t.root / new).read_text())["status"] == "planned"
    found = t.check("2026-11-22", relpath, new)
    assert [f for f in found if f["severity"] == "error"] == [], found
    assert by_rule(found, "REBOOK-DATE") == []


def test_cancel_refusals_change_nothing(agenda_repo: RecordsRepoFixture) -> None:
    t = Timeline(agenda_repo)
    contract = t.add("contract", "2026-09-01")
    planned = t.add("session", "2026-11-26", status="planned")
    held = t.add("session", "2026-11-16")
    t.commit("2026-11-17")
    before = digest_tree(t.root)
    refusals = [
        ((planned, "--by", "dsl-sample", "--rebook", "2026-11-20"), 1,
         "before the cancelled session's date"),
        ((planned, "--by", "nobody", "--rebook", "2026-11-30"), 2, "not a person"),
        ((contract, "--by", "dsl-sample", "--rebook", "2026-11-30"), 1, "not a session"),
        ((held, "--by", "dsl-sample", "--rebook", "2026-11-30"), 1, "held and its record is "
         "signed"),
        ((planned, "--by", "dsl-sample", "--rebook", "2026-12-25"), 1, "Christmas Day"),
        ((planned, "--by", "dsl-sample", "--rebook", "2026-11-28"), 1, "Saturday"),
        ((planned, "--by", "dsl-sample", "--rebook", "2027-10-01"), 1, "no usable calendar"),
        ((planned, "--by", "dsl-sample", "--rebook", "2026-11-30", "--reason", "two\nlines"), 2,
         "one non-empty line"),
        (("records/none.yaml", "--by", "dsl-sample", "--rebook", "2026-11-30"), 2,
         "does not exist"),
    ]
    for args, code, needle in refusals:
        result = t.repo.cli("cancel", *args, "--today", "2026-11-22")
        assert result.code == code, (args, result.err)
        assert needle in result.err, (args, result.err)
        assert "hint:" in result.err or code == 2
    assert digest_tree(t.root) == before
    # A rebooked date already taken by another session: refused before anything is written.
    t.add("session", "2026-11-30", status="planned")
    taken = digest_tree(t.root)
    clash = t.repo.cli("cancel", planned, "--by", "dsl-sample", "--rebook", "2026-11-30")
    assert clash.code == 1 and "already exists" in clash.err
    assert digest_tree(t.root) == taken
    # Past the 5 working days the school policy allows: done, with a warning to say so.
    late = t.repo.cli("cancel", planned, "--by", "deputy-sample", "--rebook", "2026-12-10",
                      "--today", "2026-11-22")
    assert late.code == 0 and "within 5 working days" in late.out
    assert [f["severity"] for f in by_rule(t.check("2026-11-22", planned), "REBOOK-DATE")] == [
        "warning"]
    again = t.repo.cli("cancel", planned, "--by", "deputy-sample", "--rebook", "2026-12-11")
    assert again.code == 1 and "already cancelled" in again.err


def test_cancel_a_group_session(agenda_repo: RecordsRepoFixture) -> None:
    t = Timeline(agenda_repo)
    group = t.add("session", "2026-11-25", group=True, status="planned")
    done = t.repo.cli("cancel", group, "--by", "deputy-sample", "--rebook", "2026-11-27",
                      "--today", "2026-11-22")
    assert done.code == 0, done.err
    new = "records/example-school/2026-27/groups/2026-11-27-deputy-sample-group-session.yaml"
    data = yaml.safe_load((t.root / new).read_text())
    assert data["format"] == "group" and data["supervisees"] == ["dsl-sample", "ddsl-sample"]


def test_calendar_show(agenda_repo: RecordsRepoFixture) -> None:
    shown = agenda_repo.cli("calendar", "show", "2026-27")
    assert shown.code == 0, shown.err
    out = shown.out
    assert "Autumn 2" in out and "Mon 2 Nov 2026" in out and "Fri 18 Dec 2026" in out
    assert "Staff training day" in out
    assert "Easter Monday (school holiday)" in out and "May Day\n" in out
    assert "Monday to Friday, except bank holidays" in out
    default = agenda_repo.cli("calendar", "show", "--today", "2027-03-01")
    assert default.out == out                    # the current school year by default
    as_json = agenda_repo.cli("calendar", "show", "2026-27", "--format", "json").json()
    assert [h["name"] for h in as_json["half_terms"]][:2] == ["Autumn 1", "Autumn 2"]
    assert as_json["half_terms"][1]["school_days"] == 35
    missing = agenda_repo.cli("calendar", "show", "2030-31")
    assert missing.code == 1 and "there is no calendar/2030-31.yml" in missing.err
    bad = agenda_repo.cli("calendar", "show", "2030-32")
    assert bad.code == 2


def _proposals(out: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(supervisee, half term) -> (date, start time) of each proposal line of `schedule`."""
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) > 6 and parts[4] == "with":
            half = line.split("(", 1)[1].split(")", 1)[0]
            rows[(parts[3], half)] = (parts[0], parts[2])
    return rows


def test_schedule_proposes_the_next_meeting_agreed_in_the_last_session(
        any_repo: RecordsRepoFixture) -> None:
    """The session form's next meeting (agenda: `next_meeting: {date, time}`; reflective:
    `next_session`, a date) is the date to propose for that half term, if it is a school
    day; otherwise the proposal says why it is not used."""
    t = Timeline(any_repo)
    t.add("contract", "2026-09-01")
    t.add("contract", "2026-09-01", supervisee="ddsl-sample")

    def agreed(day: str, time: str) -> dict:
        if any_repo.profile == "agenda":
            return {"next_meeting": {"date": day, "time": time}}
        return {"next_session": day}

    t.add("session", "2026-10-05", **agreed("2027-01-27", "09:00"))  # superseded
    t.add("session", "2026-11-16", **agreed("2027-01-20", "10:30"))   # a Wednesday
    t.add("session", "2026-11-17", supervisee="ddsl-sample",
          **agreed("2027-01-16", "11:00"))                            # a Saturday
    t.commit("2026-11-17")
    dry = t.repo.cli("schedule", "--year", "2026-27", "--today", "2026-11-22")
    assert dry.code == 0, dry.err
    rows = _proposals(dry.out)
    time = "10:30" if any_repo.profile == "agenda" else "14:00"  # reflective agrees no time
    assert rows[("dsl-sample", "Spring 1")] == ("2027-01-20", time), dry.out
    assert "agreed at the session on 2026-11-16" in dry.out
    # Only that half term: later ones get the usual spread of dates.
    assert rows[("dsl-sample", "Spring 2")][1] == "14:00"
    # A Saturday is not proposed: the usual date is, and the output says why.
    assert rows[("ddsl-sample", "Spring 1")][0] != "2027-01-16"
    assert "2027-01-16" in dry.out and "not a school day" in dry.out, dry.out

    wrote = t.repo.cli("schedule", "--year", "2026-27", "--write", "--today", "2026-11-22")
    assert wrote.code == 0, wrote.err
    planned = "records/example-school/2026-27/dsl-sample/2027-01-20-session.yaml"
    data = yaml.safe_load((t.root / planned).read_text())
    assert data["status"] == "planned" and data["start_time"] == time


def test_a_cancelled_session_stays_in_the_ics_file_as_cancelled(agenda_repo: RecordsRepoFixture,
                                                                tmp_path: Path) -> None:
    """Calendar apps keep an event until a newer copy with the same UID cancels it."""
    t = Timeline(agenda_repo)
    t.add("contract", "2026-09-01")
    made = t.repo.cli("new", "session", "--supervisee", "dsl-sample", "--status", "planned",
                      "--date", "2026-12-07")
    booked = made.out.strip()
    t.commit("2026-11-20")
    ics_file = tmp_path / "sessions.ics"

    def events() -> dict[str, icalendar.Event]:
        found = icalendar.Calendar.from_ical(ics_file.read_bytes()).walk("VEVENT")
        by_record = {str(e["description"]).rsplit("Record: ", 1)[1]: e for e in found}
        assert len(by_record) == len(found)
        return by_record

    first = t.repo.cli("schedule", "--year", "2026-27", "--write", "--ics", str(ics_file),
                       "--today", "2026-11-22")
    assert first.code == 0, first.err
    before = events()[booked]
    assert str(before.get("status", "CONFIRMED")) != "CANCELLED"
    done = t.repo.cli("cancel", booked, "--by", "dsl-sample", "--rebook", "2026-12-09",
                      "--today", "2026-11-22")
    assert done.code == 0, done.err
    again = t.repo.cli("schedule", "--year", "2026-27", "--write", "--ics", str(ics_file),
                       "--today", "2026-11-23")
    assert again.code == 0, again.err
    now = events()
    assert booked in now, "the cancelled session must still be in the file"
    cancelled = now[booked]
    assert str(cancelled["uid"]) == str(before["uid"])
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled.get("sequence", 0)) > int(before.get("sequence", 0))
    rebooked = "records/example-school/2026-27/dsl-sample/2026-12-09-session.yaml"
    assert str(now[rebooked].get("status", "CONFIRMED")) != "CANCELLED"
    assert str(now[rebooked]["uid"]) != str(before["uid"])
    assert "1 cancelled" in again.out
