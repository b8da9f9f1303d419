#!/bin/sh
# Remove the program, its menu entry and icons. Your data (~/.local/share/FieldApp) stays:
# delete that folder yourself if you really want it gone.
set -eu
PREFIX="${PREFIX:-$HOME/.local}"
SHARE="${XDG_DATA_HOME:-$PREFIX/share}"
[ "$PREFIX" = "$HOME/.local" ] || SHARE="$PREFIX/share"
rm -rf "$PREFIX/lib/fieldapp"
[ -L "$PREFIX/bin/fieldapp" ] && rm -f "$PREFIX/bin/fieldapp"
rm -f "$SHARE/applications/fieldapp.desktop"
rm -f "$SHARE"/icons/hicolor/*/apps/fieldapp.png "$SHARE/icons/hicolor/scalable/apps/fieldapp.svg"
echo "Field App removed; your data folder was left in place."
