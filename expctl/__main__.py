"""Allow ``python -m expctl``."""

from expctl.main import main

raise SystemExit(main())
