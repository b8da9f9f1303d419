"""Entry point of the frozen app (PyInstaller runs this file as `__main__`).

`--self-test` is handled here until fieldapp.cli has the flag itself; everything else
goes to fieldapp.cli.main, which opens the window when no command is given.
"""
from __future__ import annotations

import sys


def main() -> int:
    if sys.argv[1:2] == ["-m"]:
        # Code written for a source install may start `sys.executable -m module` (the local
        # demo sync service does); in a frozen build sys.executable is this program, and
        # without this guard it would open another window instead.
        print(f"fieldapp: this build cannot run Python modules (-m {' '.join(sys.argv[2:3])})", file=sys.stderr)
        return 2
    if "--self-test" in sys.argv[1:]:
        from fieldapp.selftest import main as self_test

        return self_test(sys.argv[1:])
    from fieldapp.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
