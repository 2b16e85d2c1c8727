"""Allow ``python -m supervision``."""

from supervision.cli import main

raise SystemExit(main())
