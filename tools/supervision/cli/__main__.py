"""``python -m supervision.cli SOCKET``: the resident checker (``cli/resident.py``),
answering ``check`` and ``status`` on SOCKET with this package's ``main``. Started by
``supervision check`` itself, never by hand."""

import sys

from supervision.cli import main, resident

raise SystemExit(resident.serve_command_line(sys.argv[1:], main))
