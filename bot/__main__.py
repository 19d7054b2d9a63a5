"""`python -m bot`: the `jaring` command, for where the script is not on the path (the supervisor starts
its workers this way, with the same Python)."""

import sys

from bot.cli import main

sys.exit(main())
