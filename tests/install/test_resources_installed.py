"""Every folder of resources/ is declared in pyproject's data-files, so an installed copy
(the service's container, a plain pip install) finds the reference lists and templates."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_resource_folder_is_installed():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["data-files"]
    installed = {Path(target).relative_to("share/fieldapp/resources").as_posix() for target in declared}
    folders = {p.relative_to(ROOT / "resources").as_posix() for p in (ROOT / "resources").rglob("*")
               if p.is_dir() and any(f.is_file() and f.suffix != ".py" for f in p.iterdir())}
    assert folders <= installed, f"add to [tool.setuptools.data-files]: {sorted(folders - installed)}"
