#!/usr/bin/env bash
# Re-resolve the lock files in this folder from pyproject.toml with uv (one universal
# resolution: the same pins, with markers, for Linux, Windows and macOS, every file hashed).
#   requirements/relock.sh             keep every pin that still fits pyproject.toml (after editing it)
#   requirements/relock.sh --upgrade   take the newest versions that fit (make upgrade)
# The installs themselves use plain pip (`pip install --require-hashes -r ...`), so uv is
# needed only here.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
common=(--universal --python-version 3.11 --generate-hashes --no-header --quiet "$@")
"$UV" pip compile pyproject.toml --extra dev "${common[@]}" -o requirements/dev.txt
# The desktop's and the service's locks are subsets of the development one (same versions).
"$UV" pip compile pyproject.toml --extra desktop -c requirements/dev.txt "${common[@]}" -o requirements/desktop.txt
"$UV" pip compile pyproject.toml --extra server -c requirements/dev.txt "${common[@]}" -o requirements/server.txt
# The build backend, so that `pip install --no-build-isolation` builds with a locked setuptools.
python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' |
  "$UV" pip compile - "${common[@]}" -o requirements/build.txt
echo "locked: $(grep -c '^[a-zA-Z]' requirements/dev.txt) packages for development, $(grep -c '^[a-zA-Z]' requirements/desktop.txt) for the desktop, $(grep -c '^[a-zA-Z]' requirements/server.txt) for the service"
