"""Timing a child process: wall seconds and peak memory, shared by the benchmarks.

Peak memory is the command's maximum resident set size as the kernel reports it
(``os.wait4``), its own children included (gpg under git log), so it covers the
whole command, imports included. Linux counts a process's memory before ``exec``
too, so a command started straight from this (large) Python process would never
show less than this process's size; the command is therefore started by a small
launcher (``python -S``, a few MiB) that times it, waits for it and reports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

#: Runs argv[1:], then writes "seconds peak_kib" to fd argv[1] and exits with its code.
LAUNCHER = """\
import os, sys, time
fd, args = int(sys.argv[1]), sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(args[0], args)
    finally:
        os._exit(127)
_pid, status, usage = os.wait4(pid, 0)
os.write(fd, f"{time.perf_counter() - started} {usage.ru_maxrss}".encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""


def timed(args: list[str], cwd: Path, env: dict[str, str],
          ok_codes: tuple[int, ...] = (0, 1)) -> tuple[float, int, bytes]:
    """Wall seconds, peak RSS in MiB and stdout of one child process.

    Exit 1 is accepted by default: `supervision check` exits 1 when it finds
    problems, which is a result, not a failure of the benchmark."""
    read_end, write_end = os.pipe()
    try:
        with tempfile.TemporaryFile() as out:
            done = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(write_end), *args],
                                  cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL,
                                  pass_fds=(write_end,))
            os.close(write_end)
            write_end = -1
            report = os.read(read_end, 100).decode().split()
            out.seek(0)
            data = out.read()
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    if done.returncode not in ok_codes or len(report) != 2:
        raise SystemExit(f"{' '.join(args)} failed with exit {done.returncode}")
    return float(report[0]), int(report[1]) // 1024, data
