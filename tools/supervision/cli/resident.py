"""The resident checker: ``supervision check`` and ``status`` answered by a process that
stays loaded between commits.

A one-record check (what the pre-commit hook runs on every commit) spends about a third
of its time starting Python and importing the package. So the first ``check`` or
``status`` starts a small background process (``python -m supervision.cli SOCKET``)
that imports the package once and waits on a socket. Each later command hands it its
arguments, folder, environment and its three standard streams (as file descriptors);
the resident forks, and the copy runs the command exactly as a fresh process would,
writing straight to the caller's terminal or pipe, and sends back the exit code.

What it holds and who can use it:

* **Only code.** Nothing is read before the fork but the package, so no record, setting
  or finding outlives the command that read it; every command runs in its own copy.
* **Only this user.** The socket lives in a folder only its owner may enter
  (``$XDG_RUNTIME_DIR/supervision`` or ``/tmp/supervision-<uid>``; if that folder is
  anyone else's or open to others, the resident is not used), and the resident answers
  only a caller of the same user id (the kernel's ``SO_PEERCRED``).
* **Only its own code.** The socket's name comes from the interpreter, the package's
  folder and its code fingerprint (:func:`supervision.code_fingerprint`), so an
  upgraded or different install starts its own resident and never talks to an old one.
* **Not for long.** It ends after :data:`IDLE_SECONDS` without a command
  (``SUPERVISION_RESIDENT_IDLE`` changes it), or as soon as its socket is removed.

Anything that goes wrong only costs time: no resident, a refused or broken connection,
or a resident that stops before it has begun the command, and the command runs here
as before. If it stops part-way, the command is run again here (say so on stderr).
``SUPERVISION_RESIDENT=0`` turns it off (the test suite does). It needs Linux (file
descriptors passed over a Unix socket, the peer's user id); elsewhere it is never used.
``SUPERVISION_DEBUG=1`` names the resident that answered, on stderr.
"""

from __future__ import annotations

import _socket  # the C module: ``socket`` adds enums a handed-over command pays for
import contextlib
import os
import struct
import sys
from collections.abc import Callable

TYPE_CHECKING = False  # not typing's, for the same reason
if TYPE_CHECKING:
    import socket

COMMANDS = frozenset({"check", "status"})
IDLE_SECONDS = 600.0
#: How long a caller waits for the resident to begin the command (it forks at once).
START_SECONDS = 10.0
_INT = struct.Struct("!i")
_MAX_REQUEST = 1 << 20
_OFF = ("0", "off", "no", "false")


def _supported() -> bool:
    return (sys.platform.startswith("linux") and hasattr(_socket, "SO_PEERCRED")
            and hasattr(_socket, "SCM_RIGHTS") and hasattr(_socket.socket, "sendmsg")
            and hasattr(os, "fork"))


def wanted(command: str | None) -> bool:
    """True when ``command`` (the command line's command) may be answered by the
    resident."""
    if os.environ.get("SUPERVISION_RESIDENT", "1").strip().lower() in _OFF:
        return False
    return command in COMMANDS and _supported()


def _own_folder() -> str | None:
    """The user's private folder for the socket, made if missing; None when it exists
    but is not a folder owned by this user and closed to everyone else. (Paths are
    strings here: a command handed to the resident imports as little as it can.)"""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = (os.path.join(runtime, "supervision") if runtime
              else f"/tmp/supervision-{os.getuid()}")
    try:
        os.mkdir(folder, mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        st = os.lstat(folder)
    except OSError:
        return None
    import stat

    if (not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid()
            or st.st_mode & 0o077):
        return None
    return folder


def socket_path() -> str | None:
    """Where this install's resident listens, or None when it cannot be used here."""
    import hashlib

    import supervision

    folder = _own_folder()
    if folder is None:
        return None
    key = hashlib.sha256("\0".join((sys.executable, os.path.dirname(supervision.__file__),
                                    supervision.code_fingerprint())).encode()).hexdigest()
    path = os.path.join(folder, f"check-{key[:20]}.sock")
    return path if len(os.fsencode(path)) < 100 else None  # AF_UNIX paths are short


# -- the caller ------------------------------------------------------------------------
def forward(argv: list[str]) -> int | None:
    """Have the resident run ``argv``: its exit code, or None to run the command here
    (none is running: one is started for the next command)."""
    path = socket_path()
    if path is None:
        return None
    client = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        client.settimeout(START_SECONDS)
        try:
            client.connect(path)
        except OSError:
            start(path)
            return None
        return _ask(client, argv)
    except KeyboardInterrupt:  # before the copy could be told
        sys.stderr.write("supervision: interrupted\n")
        return 130
    finally:
        client.close()


def _request(argv: list[str]) -> bytes:
    mask = os.umask(0o077)
    os.umask(mask)
    out = sys.stdout
    return encode_request({"argv": argv, "argv0": sys.argv[0], "cwd": os.getcwd(),
                           "env": dict(os.environ), "umask": mask,
                           "encoding": getattr(out, "encoding", None) or "utf-8",
                           "errors": getattr(out, "errors", None) or "strict"})


#: The request's fields before the command line and the environment, in order.
_FIELDS = ("argv0", "cwd", "umask", "encoding", "errors")
_FORMAT = "supervision-resident-1"


def encode_request(request: dict) -> bytes:
    """A request as NUL-separated text (no argument, path or environment entry can hold
    a NUL): cheaper to make than JSON, which would import ``re`` into every command."""
    env = [f"{key}={value}" for key, value in request["env"].items()]
    parts = [_FORMAT, *(str(request[name]) for name in _FIELDS),
             str(len(request["argv"])), *request["argv"], *env]
    return "\0".join(parts).encode("utf-8", "surrogateescape")


def decode_request(data: bytes) -> dict | None:
    """:func:`encode_request`'s request again; None for anything else."""
    parts = data.decode("utf-8", "surrogateescape").split("\0")
    head = len(_FIELDS) + 2
    if len(parts) < head or parts[0] != _FORMAT or not parts[head - 1].isdigit():
        return None
    request: dict = dict(zip(_FIELDS, parts[1:head - 1], strict=True))
    if not request["umask"].isdigit():
        return None
    request["umask"] = int(request["umask"])
    count = int(parts[head - 1])
    argv, env = parts[head:head + count], parts[head + count:]
    if len(argv) != count or not all("=" in entry for entry in env):
        return None
    request["argv"] = argv
    request["env"] = dict(entry.split("=", 1) for entry in env)
    return request


def _ask(client: _socket.socket, argv: list[str]) -> int | None:
    try:
        payload = _request(argv)
        client.sendmsg([_INT.pack(len(payload))], [(
            _socket.SOL_SOCKET, _socket.SCM_RIGHTS, struct.pack("3i", 0, 1, 2))])
        client.sendall(payload)
        child = _read_int(client)
    except (OSError, ValueError):
        return None  # refused, or it stopped before beginning: run it here
    if child is None:
        return None
    if os.environ.get("SUPERVISION_DEBUG"):
        sys.stderr.write(f"supervision: answered by the resident checker (process {child})\n")
    import signal

    def pass_on(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):  # it has just ended
            os.kill(child, signum)

    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    before = [signal.signal(signum, pass_on) for signum in signals]
    client.settimeout(None)  # a cold check of a whole trust takes minutes
    try:
        code = _read_int(client)
    except (OSError, ValueError):
        code = None
    finally:
        for signum, handler in zip(signals, before, strict=True):
            signal.signal(signum, handler)
    if code is None:
        sys.stderr.write("supervision: the resident checker stopped part-way; "
                         "running the command again here\n")
    return code


def _read_int(conn: _socket.socket) -> int | None:
    data = _recv_exactly(conn, _INT.size)
    return None if data is None else int(_INT.unpack(data)[0])


def _recv_exactly(conn: _socket.socket, size: int) -> bytes | None:
    """``size`` bytes from ``conn``, or None when the other end closes first."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def start(path: str) -> None:
    """Start a resident for ``path`` in the background (it outlives this command)."""
    import subprocess

    with contextlib.suppress(OSError):  # only the next command's speed is lost
        subprocess.Popen([sys.executable, "-m", "supervision.cli", path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, cwd="/", start_new_session=True)


# -- the resident ----------------------------------------------------------------------
#: What a one-record check and status import as they run (each imports most of these
#: only when it needs them, so that a fresh process starts quickly).
PRELOAD = ("supervision.cli.check", "supervision.cli.status", "supervision.checker",
           "supervision.deadlines.time_rules", "supervision.deadlines.context",
           "supervision.deadlines.rules", "supervision.deadlines.school_calendar",
           "supervision.deadlines.status", "supervision.reporters",
           "supervision.privacy.scanner", "supervision.signing.ledger",
           "supervision.signing.verify", "supervision.signing.worktree",
           "supervision.forms.scaffold", "concurrent.futures.process", "csv",
           "importlib.util", "json", "multiprocessing.popen_fork",
           "multiprocessing.synchronize", "textwrap", "unicodedata", "yaml")


def _preload() -> None:
    """Import what check and status use, and read the package's own forms and built-in
    profiles: code and the package's data only, never anything of a repository."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    from supervision.forms.definition import BUILTIN_PROFILES, load_core, load_profile

    load_core()
    for name in BUILTIN_PROFILES:
        load_profile(name)


def serve(path: str, idle: float, run: Callable[[list[str]], int]) -> None:
    """Answer commands on ``path`` until idle for ``idle`` seconds or the socket is gone:
    each one is ``run`` (the command line's ``main``) in a forked copy."""
    import signal
    import time

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)  # through the finally below, which removes the socket

    signal.signal(signal.SIGTERM, stop)
    _preload()
    if socket_path() != path:
        return  # started for other code than this process has
    listener = _listen(path)
    if listener is None:
        return
    ident = os.stat(path).st_ino
    children: set[int] = set()
    last = time.monotonic()
    listener.settimeout(1.0)
    try:
        while True:
            _reap(children)
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                if not _still_ours(path, ident):
                    return
                if not children and time.monotonic() - last > idle:
                    return
                continue
            last = time.monotonic()
            with conn:
                child = _fork_for(conn, listener, run)
            if child:
                children.add(child)
    finally:
        if _still_ours(path, ident):
            os.unlink(path)
        listener.close()


def _listen(path: str) -> socket.socket | None:
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        try:
            listener.bind(path)
        except OSError:
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(path)
                listener.close()
                return None  # another resident answers already
            except OSError:
                with contextlib.suppress(FileNotFoundError):  # left by one that ended
                    os.unlink(path)
                listener.bind(path)
            finally:
                probe.close()
    except OSError:
        listener.close()
        return None
    finally:
        os.umask(mask)
    listener.listen(16)
    return listener


def _still_ours(path: str, ident: int) -> bool:
    try:
        return os.stat(path).st_ino == ident
    except OSError:
        return False


def _reap(children: set[int]) -> None:
    for child in list(children):
        try:
            done, _status = os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            done = child
        if done:
            children.discard(child)


def _receive(conn: socket.socket) -> tuple[dict, list[int]] | None:
    """The request on ``conn`` and the caller's three streams, when the caller is this
    user and the request is whole (else None, nothing left open)."""
    import socket

    fds: list[int] = []
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", creds)[1] == os.getuid():
            conn.settimeout(5.0)
            head, fds, _flags, _addr = socket.recv_fds(conn, _INT.size, 3)
            size = int(_INT.unpack(head)[0]) if len(head) == _INT.size else -1
            data = (_recv_exactly(conn, size)
                    if len(fds) == 3 and 0 < size <= _MAX_REQUEST else None)
            request = None if data is None else decode_request(data)
            if request is not None:
                return request, fds
    except (OSError, ValueError, UnicodeError):
        pass
    for fd in fds:
        os.close(fd)
    return None


def _fork_for(conn: socket.socket, listener: socket.socket,
              run: Callable[[list[str]], int]) -> int | None:
    """Fork a copy to run the request on ``conn``; its process id (None: refused)."""
    received = _receive(conn)
    if received is None:
        return None
    request, fds = received
    child = os.fork()
    if child == 0:
        code = 3
        try:
            listener.close()
            code = _run(conn, request, fds, run)
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    return child


def _run(conn: socket.socket, request: dict, fds: list[int],
         run: Callable[[list[str]], int]) -> int:
    """In the forked copy: become the caller's command and run it."""
    import atexit
    import io
    import signal
    import time

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT
                      else signal.SIG_DFL)
    for number, fd in enumerate(fds):
        os.dup2(fd, number)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    os.umask(int(request["umask"]))
    encoding, errors = request["encoding"], request["errors"]
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=encoding)
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding=encoding,
                                  errors=errors if fd == 1 else "backslashreplace",
                                  line_buffering=os.isatty(fd), write_through=fd == 2)
        setattr(sys, name, stream)
    sys.argv = [request["argv0"], *request["argv"]]
    conn.settimeout(None)
    conn.sendall(_INT.pack(os.getpid()))
    try:
        code = run(request["argv"])
    except SystemExit as exc:  # as a fresh process would end
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except KeyboardInterrupt:
        code = 130
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass
    conn.sendall(_INT.pack(code))
    return code


def serve_command_line(argv: list[str], run: Callable[[list[str]], int]) -> int:
    """``python -m supervision.cli SOCKET`` (what :func:`start` runs)."""
    text = os.environ.get("SUPERVISION_RESIDENT_IDLE", "")
    try:
        idle = float(text) if text else IDLE_SECONDS
    except ValueError:
        idle = IDLE_SECONDS
    if len(argv) != 1 or not _supported():
        sys.stderr.write("usage: python -m supervision.cli SOCKET (started by "
                         "`supervision check`, never by hand)\n")
        return 2
    serve(argv[0], idle, run)
    return 0
