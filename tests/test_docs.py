"""The README stays true (as sqlite-utils and datasette test their docs): every command
and option of both command lines appears in it, every path it names exists, and its
architecture picture lists the tree as it is."""
from __future__ import annotations

import argparse
import fnmatch
import re
from pathlib import Path

import pytest

from fieldapp.cli import build_parser as client_parser
from sync.server.cli import build_parser as server_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, words: list[str]):
    """(command words, option strings of one option) for every option; (words, None) per command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield [*words, name], None
                yield from _commands(sub, [*words, name])
        elif action.option_strings and action.help != argparse.SUPPRESS and "--help" not in action.option_strings:
            yield words, action.option_strings


CLI = [*_commands(client_parser(), ["fieldapp"]), *_commands(server_parser(), ["fieldapp-server"])]


@pytest.mark.parametrize(("words", "options"), CLI, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v))
def test_every_command_and_option_is_in_the_readme(words, options):
    if options is None:
        assert re.search(rf"(?<![\w-]){re.escape(' '.join(words))}(?![\w-])", README), " ".join(words)
    else:  # an option under any of its names (--db-url or --db)
        assert any(re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", README) for o in options), (words, options)


def test_both_command_lines_are_walked():
    names = {" ".join(w) for w, o in CLI if o is None}
    assert {"fieldapp sync", "fieldapp form check", "fieldapp-server serve", "fieldapp-server list-users"} <= names
    assert sum(1 for _w, o in CLI if o) > 40


def _ignored_tops() -> set[str]:
    """Folders git ignores (built or downloaded: dist/, screenshots/, bench/data/)."""
    lines = (ROOT / ".gitignore").read_text().split()
    return {line.strip("/") for line in lines if line.endswith("/") and "*" not in line}


def _ignored(name: str) -> bool:
    """Whether a top-level name matches a folder pattern of .gitignore (`*.egg-info/`)."""
    lines = (ROOT / ".gitignore").read_text().split()
    return any(fnmatch.fnmatch(name, line.strip("/")) for line in lines if line.endswith("/"))


PATH = re.compile(r"[\w.\-]+(?:/[\w.\-*]*)+|[\w\-]+\.(?:py|sh|txt|toml|md|spec|json|yaml|cfg|sqlite)")


def _named_paths() -> list[str]:
    out = set()
    for quoted in re.findall(r"`([^`\n]+)`", README):
        out.update(tok for tok in re.split(r"[\s,()]+", quoted) if PATH.fullmatch(tok))
    return sorted(out)


def _exists(name: str) -> bool:
    if "/" not in name:  # a file named alone (`dev.txt` after `requirements/`): somewhere in the tree
        return any(p for p in ROOT.rglob(name) if ".venv" not in p.parts)
    if any(f"{name.strip('/')}/".startswith(f"{ignored}/") for ignored in _ignored_tops()):
        return True  # built or downloaded, not part of the repository
    # the architecture text names fieldapp's and sync's parts from inside (`core/hlc.py`)
    return any((base / name).exists() or any(base.glob(name)) for base in (ROOT, ROOT / "fieldapp", ROOT / "sync"))


def test_every_path_the_readme_names_exists():
    named = _named_paths()
    assert "sync/protocol.py" in named and "core/hlc.py" in named
    missing = [name for name in named if not _exists(name)]
    assert not missing, missing


def _picture() -> list[str]:
    """The paths of the architecture picture, built from its indentation."""
    block = README.split("## Architecture", 1)[1].split("```", 2)[1]
    paths: list[str] = []
    stack: list[str] = []
    for line in block.splitlines():
        m = re.match(r"^( *)(\S+)", line)
        if not m or len(m.group(1)) >= 20 or not re.fullmatch(r"[\w.\-]+/|[\w.\-]+\.\w+", m.group(2)):
            continue  # a description's second line
        depth = len(m.group(1)) // 2
        stack[depth:] = [m.group(2).rstrip("/")]
        paths.append("/".join(stack))
    return paths


def test_the_architecture_picture_matches_the_tree():
    picture = _picture()
    assert "sync/server" in picture and "fieldapp/core" in picture
    assert [p for p in picture if not (ROOT / p).exists()] == []
    tops = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".") and not _ignored(p.name)}
    packages = {f"{top}/{p.name}" for top in ("fieldapp", "sync") for p in (ROOT / top).iterdir()
                if (p / "__init__.py").exists()}
    assert sorted((tops | packages) - set(picture)) == []
