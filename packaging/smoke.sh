#!/usr/bin/env bash
# Smoke test of a built app: its --self-test offscreen on a fresh temporary data folder,
# then on a copy of a data folder written by schema revision 0001 (the first release),
# which must come out upgraded, with its records and unsynced change kept and a backup;
# then the window started the way people start it, until its first list is shown.
#
#   bash packaging/smoke.sh [EXECUTABLE]     (default: the bundle in dist/ for this OS)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${1:-}"
if [ -z "$BIN" ]; then
  # Windows first: Git Bash would also accept dist/fieldapp/fieldapp for FieldApp.exe (the
  # windowed program, which cannot print).
  for candidate in "$ROOT/dist/fieldapp/fieldapp-cli.exe" "$ROOT/dist/FieldApp.app/Contents/MacOS/FieldApp" \
                   "$ROOT/dist/fieldapp/fieldapp"; do
    if [ -f "$candidate" ]; then BIN="$candidate"; break; fi
  done
fi
if [ -z "$BIN" ] || [ ! -f "$BIN" ]; then
  echo "smoke: no built app found; run: python packaging/build.py" >&2
  exit 2
fi
export QT_QPA_PLATFORM=offscreen
# GNU timeout when there is one (not on macOS; on Windows, not System32's timeout.exe).
limited() {
  if timeout --version >/dev/null 2>&1; then timeout 600 "$@"; else "$@"; fi
}
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== $BIN --self-test"
limited "$BIN" --self-test

echo "== $BIN --self-test --data-dir <copy of a revision-0001 data folder>"
mkdir -p "$WORK/old"
cp "$ROOT/tests/fixtures/store_r0001.sqlite" "$WORK/old/fieldapp.sqlite"
limited "$BIN" --self-test --no-window --data-dir "$WORK/old" | tee "$WORK/upgrade.txt"
grep -q "^ok   existing data: revision 0001 -> " "$WORK/upgrade.txt"
ls "$WORK/old/backups/"*.sqlite >/dev/null
echo "== $BIN --data-dir <new folder>   (the window, as people start it; quits once its first list shows)"
FIELDAPP_REPORT_READY=1 limited "$BIN" --data-dir "$WORK/fresh" | tee "$WORK/ready.txt"
grep -q "^ready " "$WORK/ready.txt"
echo "smoke: passed"
