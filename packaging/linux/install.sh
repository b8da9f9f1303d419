#!/bin/sh
# Install Field App for the current user (or system-wide with PREFIX=/usr/local as root).
# A newer version replaces the program folder whole; your data is not in it (it lives in
# ~/.local/share/FieldApp, or $XDG_DATA_HOME/FieldApp) and is upgraded on the next start,
# with a backup taken first.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
LIB="$PREFIX/lib/fieldapp"
BIN="$PREFIX/bin"
SHARE="${XDG_DATA_HOME:-$PREFIX/share}"
[ "$PREFIX" = "$HOME/.local" ] || SHARE="$PREFIX/share"

mkdir -p "$PREFIX/lib" "$BIN" "$SHARE/applications"
rm -rf "$LIB.new"
cp -R "$HERE/fieldapp" "$LIB.new"
rm -rf "$LIB"
mv "$LIB.new" "$LIB"
ln -sf "$LIB/fieldapp" "$BIN/fieldapp"

for size in 16 32 64 128 256; do
  if [ -f "$HERE/icons/fieldapp-$size.png" ]; then
    mkdir -p "$SHARE/icons/hicolor/${size}x${size}/apps"
    cp "$HERE/icons/fieldapp-$size.png" "$SHARE/icons/hicolor/${size}x${size}/apps/fieldapp.png"
  fi
done
if [ -f "$HERE/icons/fieldapp.svg" ]; then
  mkdir -p "$SHARE/icons/hicolor/scalable/apps"
  cp "$HERE/icons/fieldapp.svg" "$SHARE/icons/hicolor/scalable/apps/fieldapp.svg"
fi
sed "s|^Exec=.*|Exec=$LIB/fieldapp|" "$HERE/fieldapp.desktop" > "$SHARE/applications/fieldapp.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$SHARE/applications" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$SHARE/icons/hicolor" 2>/dev/null || true
echo "Field App installed in $LIB; start it from the applications menu or with $BIN/fieldapp"
