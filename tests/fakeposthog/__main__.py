"""``python3 -m tests.fakeposthog`` from a clone: the same stand-in `expctl demo --serve` runs."""

import sys

from expctl.standin.__main__ import main

sys.exit(main())
