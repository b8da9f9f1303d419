#!/usr/bin/env bash
# Are pyproject.toml's lower bounds true? Resolve the lowest versions they allow for every
# direct dependency, install them into a scratch venv and run the suite there (except the
# tests of the lock itself). Slow (about 20 minutes here): run it when a bound changes.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
work=$(mktemp -d)
"$UV" pip compile pyproject.toml --extra dev --resolution lowest-direct --python-version 3.11 --no-header --quiet -o "$work/lowest.txt"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check -r "$work/lowest.txt" -r requirements/build.txt
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
QT_QPA_PLATFORM=offscreen "$work/venv/bin/python" -m pytest -q -p no:cacheprovider --ignore=tests/install --ignore=tests/packaging tests
