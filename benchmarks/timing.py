"""Timing a child process: wall seconds and peak memory, shared by the benchmarks.

The commands fork helper processes (a cold ``supervision check`` forks a verify
process and worker processes; git log runs gpg), so memory is measured over the
command's whole process tree, two ways:

* **largest process**: the maximum resident set size of the largest single process
  in the tree, as the kernel reports it to ``os.wait4`` (the command's own peak and
  that of every descendant it waited for). Exact, never missed, but one process only.
* **whole tree**: the largest total of the tree's memory at one moment, sampled from
  ``/proc`` every :data:`SAMPLE_SECONDS` (every descendant of the command, found by
  its parent process id; with ``BENCH_ALSO_TREE`` set to a process id in the command's
  environment, that process and its descendants too: the resident checker and the copy
  it forks to answer the command). Each process counts its proportional set size (PSS:
  a page shared by forked processes is split between them, not counted once per
  process), or its resident set size where the kernel has no ``smaps_rollup``.
  A peak shorter than the interval can be missed.

:attr:`Timing.peak_mib` is the larger of the two: the figure the targets are judged on.

Linux counts a process's memory before ``exec`` too, so a command started straight
from this (large) Python process would never show less than this process's size; the
command is therefore started by a small launcher (``python -S``, a few MiB) that
times it, samples its tree, waits for it and reports. The launcher itself is not
counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: How often the launcher adds up the tree's memory.
SAMPLE_SECONDS = 0.1

#: Runs argv[3:]; writes "seconds largest_kib tree_kib samples method" to fd argv[1]
#: and exits with the command's code. argv[2] is the sampling interval in seconds.
LAUNCHER = """\
import os, sys, threading, time
fd, interval, args = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
sys.setswitchinterval(0.0005)  # the stopwatch never waits long for the sampler
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
if os.path.exists("/proc/self/smaps_rollup"):
    METHOD = "pss"
elif os.path.exists("/proc/self/statm"):
    METHOD = "rss"
else:
    METHOD = "none"

def tree(root, also=0):
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/" + name + "/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(name))
    found, i = [root] + ([also] if also else []), 0
    while i < len(found):
        found += children.get(found[i], ())
        i += 1
    return found

def kib(pid):
    try:
        if METHOD == "pss":
            with open("/proc/%d/smaps_rollup" % pid, "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1])
            return 0
        with open("/proc/%d/statm" % pid, "rb") as f:
            return int(f.read().split()[1]) * PAGE_KIB
    except (OSError, ValueError, IndexError):
        return 0  # the process has just ended

peak = [0, 0]  # largest total seen, samples taken
stop = threading.Event()

# A process outside the tree whose own tree also counts (the resident checker, which
# forks the copy that answers the command).
ALSO = int(os.environ.get("BENCH_ALSO_TREE") or 0)

def sample(pid):
    while True:
        total = sum(kib(p) for p in tree(pid, ALSO))
        peak[0], peak[1] = max(peak[0], total), peak[1] + 1
        if stop.wait(interval):
            return

started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(args[0], args)
    finally:
        os._exit(127)
sampler = threading.Thread(target=sample, args=(pid,), daemon=True)
if METHOD != "none":
    sampler.start()
_pid, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
stop.set()
if METHOD != "none":
    sampler.join()
largest = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
os.write(fd, ("%r %d %d %d %s" % (seconds, largest, peak[0], peak[1], METHOD)).encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass(frozen=True)
class Timing:
    """One timed command: wall seconds, memory in MiB, its standard output."""

    seconds: float
    #: the largest single process's maximum resident set (the kernel's figure)
    largest_mib: int
    #: the whole tree's largest sampled total (0 when it could not be sampled)
    tree_mib: int
    #: how the tree was sampled: "pss", "rss" or "none"
    method: str
    samples: int
    out: bytes

    @property
    def peak_mib(self) -> int:
        """The command's peak: the larger of the whole tree and the largest process."""
        return max(self.largest_mib, self.tree_mib)


def timed(args: list[str], cwd: Path, env: dict[str, str],
          ok_codes: tuple[int, ...] = (0, 1)) -> Timing:
    """Time one command and measure its process tree's memory.

    Exit 1 is accepted by default: `supervision check` exits 1 when it finds
    problems, which is a result, not a failure of the benchmark."""
    read_end, write_end = os.pipe()
    try:
        with tempfile.TemporaryFile() as out:
            done = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(write_end),
                                   str(SAMPLE_SECONDS), *args],
                                  cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL,
                                  pass_fds=(write_end,))
            os.close(write_end)
            write_end = -1
            report = os.read(read_end, 200).decode().split()
            out.seek(0)
            data = out.read()
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    if done.returncode not in ok_codes or len(report) != 5:
        raise SystemExit(f"{' '.join(args)} failed with exit {done.returncode}")
    seconds, largest_kib, tree_kib, samples, method = report
    return Timing(float(seconds), int(largest_kib) // 1024, int(tree_kib) // 1024, method,
                  int(samples), data)


def tree_method() -> str:
    """How this machine's process trees are sampled (as the launcher decides)."""
    if os.path.exists("/proc/self/smaps_rollup"):
        return "pss"
    return "rss" if os.path.exists("/proc/self/statm") else "none"
