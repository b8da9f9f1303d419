"""Which system packages the window needs on Linux, named before Qt fails.

PySide6's wheels carry Qt but not the X11/XCB libraries its xcb platform plugin links;
without them Qt prints a generic "could not load the Qt platform plugin" and aborts. Here
the plugin is inspected with `ldd` and each missing library is mapped to the package that
provides it, so the person reads `sudo apt-get install libxcb-cursor0 ...` instead.
Qt-free: it must work precisely when Qt cannot start.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def missing_sonames(library: Path) -> list[str]:
    """Libraries `library` needs that the dynamic loader cannot find (ldd's "not found")."""
    ldd = shutil.which("ldd")
    if not ldd or not library.exists():
        return []
    out = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=30).stdout
    return sorted(set(_NOT_FOUND.findall(out)))


def packages_for(sonames: list[str], *, fedora: bool = False) -> list[str]:
    """The packages to install for these libraries (an unknown one is named as it is)."""
    return sorted({PACKAGES[s][1 if fedora else 0] if s in PACKAGES else s for s in sonames})


def xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def uses_xcb(environ: dict[str, str] | None = None) -> bool:
    """Whether Qt will pick its X11 plugin: on Linux, with no other platform asked for and
    no Wayland session (Qt prefers Wayland there)."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def advice(sonames: list[str]) -> str:
    debian, fedora = packages_for(sonames), packages_for(sonames, fedora=True)
    return ("Field App needs system libraries that are not installed: " + ", ".join(sonames) + ".\n"
            "On Debian or Ubuntu:  sudo apt-get install " + " ".join(debian) + "\n"
            "On Fedora:            sudo dnf install " + " ".join(fedora) + "\n"
            "(or run it with QT_QPA_PLATFORM=wayland in a Wayland session)")


def check_window_libraries(environ: dict[str, str] | None = None, plugin: Path | None = None) -> str | None:
    """None when the window can start, else the advice to print."""
    if not uses_xcb(environ):
        return None
    plugin = plugin or xcb_plugin()
    missing = missing_sonames(plugin) if plugin else []
    return advice(missing) if missing else None


def main() -> int:
    """`python -m fieldapp.system_libs`: print what is missing (exit 1) or nothing (exit 0)."""
    message = check_window_libraries()
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
