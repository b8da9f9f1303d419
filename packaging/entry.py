"""Entry point of the frozen app (PyInstaller runs this file as `__main__`).

`--self-test` is handled here until fieldapp.cli has the flag itself; everything else
goes to fieldapp.cli.main, which opens the window when no command is given.
"""
from __future__ import annotations

import sys


def frozen_argv(argv: list[str]) -> list[str]:
    """The arguments for fieldapp.cli in a frozen build: the local demo sync service is
    started as `python -m sync.server.cli`, which a frozen build can neither do nor
    bundle, so `--no-server` is added (before any command, where the top-level parser
    takes it) when the CLI knows that flag and it was not given already."""
    if "--no-server" in argv:
        return argv
    try:
        from fieldapp.cli import build_parser

        known = any("--no-server" in action.option_strings for action in build_parser()._actions)
    except Exception:  # noqa: BLE001 - the CLI itself will report whatever is wrong
        return argv
    return ["--no-server", *argv] if known else argv


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["-m"]:
        # Code written for a source install may start `sys.executable -m module`; in a
        # frozen build sys.executable is this program, and without this guard it would
        # open another window instead.
        print(f"fieldapp: this build cannot run Python modules (-m {' '.join(args[1:2])})", file=sys.stderr)
        return 2
    if "--self-test" in args:
        from fieldapp.selftest import main as self_test

        return self_test(args)
    from fieldapp.cli import main as cli_main

    return cli_main(frozen_argv(args))


if __name__ == "__main__":
    sys.exit(main())
