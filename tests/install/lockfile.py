"""Reading the lock files in requirements/ (pip's hashed format, written by uv)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins(name: str, *, applicable_only: bool = True) -> dict[str, str]:
    """{canonical package name: version} of one lock file; with `applicable_only`, only the
    pins whose environment marker holds on this machine (pywin32-ctypes not on Linux)."""
    out: dict[str, str] = {}
    for line in (REQUIREMENTS / name).read_text(encoding="utf-8").splitlines():
        m = _PIN.match(line)
        if not m:
            continue
        package, _extras, version, marker = m.groups()
        if applicable_only and marker and not Marker(marker).evaluate():
            continue
        out[canonicalize_name(package)] = version
    return out


def declared(*groups: str) -> set[str]:
    """Canonical names pyproject.toml asks for: the base dependencies plus the named extras
    (self-references such as fieldapp[desktop] are followed)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    names: set[str] = set()
    todo = ["", *groups]
    seen: set[str] = set()
    while todo:
        group = todo.pop()
        if group in seen:
            continue
        seen.add(group)
        for spec in project["dependencies"] if group == "" else extras[group]:
            req = Requirement(spec)
            if canonicalize_name(req.name) == canonicalize_name(project["name"]):
                todo.extend(req.extras)
            else:
                names.add(canonicalize_name(req.name))
    return names
