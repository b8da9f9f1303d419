"""What goes into the frozen bundle and what stays out, in plain Python.

The PyInstaller spec (packaging/fieldapp.spec) reads these lists; tests read them too,
so a change to what is left out is a reviewed change, not a hidden edit in a spec file.
Everything here is decided from the source tree: no PyInstaller import, no Qt import.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "FieldApp"
BUNDLE_ID = "org.4p1000.fieldapp"
# The onedir folder and the executable people start. Windows gets a second, console
# executable beside the windowed one, so that `fieldapp-cli --self-test` and the headless
# commands can print (a windowed .exe has no standard output).
DIST_NAME = "fieldapp"
GUI_EXE = "FieldApp" if sys.platform in ("win32", "darwin") else "fieldapp"
CLI_EXE = "fieldapp-cli"

# Qt modules fieldapp/ui never imports (checked by tests/packaging/test_bundle_config.py
# against the source). PyInstaller only collects what is imported, but naming them here
# also stops a stray transitive import (a library probing for QtNetwork, say) from pulling
# in a large module and its plugins.
QT_EXCLUDED = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtBluetooth", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDesigner", "QtGraphs",
    "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLocation", "QtMultimedia", "QtMultimediaWidgets",
    "QtNetwork", "QtNetworkAuth", "QtNfc", "QtOpenGL", "QtOpenGLWidgets", "QtPdf", "QtPdfWidgets",
    "QtPositioning", "QtQml", "QtQuick", "QtQuick3D", "QtQuickControls2",
    "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects", "QtScxml", "QtSensors", "QtSerialBus",
    "QtSerialPort", "QtSpatialAudio", "QtSql", "QtStateMachine", "QtSvgWidgets", "QtTest",
    "QtTextToSpeech", "QtUiTools", "QtWebChannel", "QtWebEngineCore", "QtWebEngineQuick",
    "QtWebEngineWidgets", "QtWebSockets", "QtWebView", "QtXml",
    "QtDBus",  # the Python binding only; libQt6DBus itself stays (QtGui links it)
)
QT_USED = ("QtCore", "QtGui", "QtWidgets", "QtPrintSupport")  # QtPrintSupport: File > Print practice sheet

# Python packages the desktop app never needs at run time: test tools, the GUI toolkit
# Python ships, PostgreSQL drivers (the desktop store is SQLite; SQLAlchemy's dialect
# modules mention psycopg only inside functions, which PyInstaller would follow).
PYTHON_EXCLUDED = (
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "pydoc_data", "lib2to3", "ensurepip",
    "pytest", "_pytest", "pytestqt", "pytest_timeout", "hypothesis", "schemathesis", "IPython",
    "numpy", "pandas", "matplotlib", "PIL",
    "pygments",  # Mako (under Alembic) imports it only to colour its error pages
    "readline",  # line editing for an interactive prompt the app does not have (and libreadline)
    "psycopg", "psycopg_binary", "psycopg_c", "psycopg_pool", "psycopg2", "asyncpg", "pymysql",
    "MySQLdb", "oracledb", "cx_Oracle", "pyodbc",
    "fieldapp.ui.screenshots",  # a developer tool (make screenshots), pulls in QtTest
)

# The central service and what only it uses. Left out of the desktop bundle unless the
# desktop code imports one of them (for instance to start the local demo service
# in-process): `server_only_excludes()` checks the source at build time.
SERVER_ONLY = (
    "sync", "fastapi", "starlette", "uvicorn", "pydantic", "pydantic_core", "argon2",
    "_argon2_cffi_bindings", "httptools", "uvloop", "watchfiles", "websockets", "multipart",
    "python_multipart", "email_validator", "anyio", "sniffio", "h11", "httpx", "httpcore",
)

_IMPORT = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", re.MULTILINE)
_DYNAMIC = re.compile(r"""import_module\(\s*["']([A-Za-z_][\w]*)""")


def desktop_top_level_imports(root: Path = ROOT) -> set[str]:
    """Top-level package names the desktop app (fieldapp/, entry point) imports anywhere."""
    names: set[str] = set()
    files = [p for p in (root / "fieldapp").rglob("*.py") if p.name != "screenshots.py"]
    files.append(root / "packaging" / "entry.py")
    for path in files:
        text = path.read_text(encoding="utf-8")
        names.update(_IMPORT.findall(text))
        names.update(_DYNAMIC.findall(text))
    return names


def server_only_excludes(root: Path = ROOT) -> list[str]:
    """SERVER_ONLY packages the desktop code does not import (and so can leave out)."""
    used = desktop_top_level_imports(root)
    return [name for name in SERVER_ONLY if name not in used]


def excludes(root: Path = ROOT) -> list[str]:
    return [*(f"PySide6.{m}" for m in QT_EXCLUDED), *PYTHON_EXCLUDED, *server_only_excludes(root)]


def shipped_languages(root: Path = ROOT) -> list[str]:
    """Languages with a gettext catalog in translations/ (English is the source language)."""
    return sorted({p.parent.parent.name for p in (root / "translations").glob("*/LC_MESSAGES/fieldapp.po")})


def app_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """(source file, folder in the bundle) for the app's own data: resources/, compiled
    catalogs, and the Alembic migration scripts (Alembic reads them as files, so they
    must exist on disk in the bundle, not only as compiled modules)."""
    out: list[tuple[str, str]] = []

    def add(paths: Iterable[Path]) -> None:
        for p in sorted(paths):
            if p.is_file() and "__pycache__" not in p.parts:
                out.append((str(p), str(p.parent.relative_to(root))))

    add(p for p in (root / "resources").rglob("*") if p.suffix != ".py")  # not the template build script
    add((root / "translations").glob("*/LC_MESSAGES/fieldapp.mo"))
    add((root / "fieldapp" / "core" / "migrations").rglob("*.py"))
    return out


def missing_catalogs(root: Path = ROOT) -> list[str]:
    """Languages whose .po has no compiled .mo beside it (the build compiles first)."""
    return [lang for lang in shipped_languages(root)
            if not (root / "translations" / lang / "LC_MESSAGES" / "fieldapp.mo").is_file()]


def keep_data(dest: str, languages: Iterable[str]) -> bool:
    """Filter for the data files PyInstaller's hooks collect from libraries: keep what
    the app can use in English plus its shipped languages, drop the rest.

    - pycountry: only the country database and its translated names are read
      (fieldapp.core.reference); the other ISO databases' translations are most of its 23 MB.
    - Babel: locale data for the shipped languages and their regional variants
      (fr_SN, es_MX...), plus root and the global tables.
    - Qt: qtbase/qt catalogs of the shipped languages (standard dialog buttons etc.).
    """
    langs = {"en", *languages}
    d = dest.replace("\\", "/")
    if d.startswith("pycountry/locales/"):
        return d.endswith("/iso3166-1.mo") and _lang_of(d.split("/")[2]) in langs
    if d.startswith("babel/locale-data/"):
        stem = Path(d).stem
        return stem == "root" or _lang_of(stem) in langs
    for qt_translations in ("PySide6/Qt/translations/", "PySide6/translations/"):
        if d.startswith(qt_translations):
            stem = Path(d).stem  # qtbase_fr, qt_zh_CN, qt_help_fr...
            m = re.match(r"^(qtbase|qt)_([a-z]{2,3})(?:_[A-Za-z]+)?$", stem)
            return bool(m) and m.group(2) in langs
    return True


# Qt plugins the desktop app has no use for: embedded-device platforms (EGLFS, linuxfb,
# VNC, Vulkan display), input from raw evdev devices, the GTK3 theme (it needs the
# system's GTK and would drag in cairo, pango and glib from the build machine, which then
# clash with the user's GTK), Wayland shells other than xdg-shell, buffer integrations
# for Qt-built compositors, OpenGL integrations, and image formats nobody attaches.
DROPPED_QT_PLUGINS = (
    "platforms/libqeglfs", "platforms/libqlinuxfb", "platforms/libqminimalegl", "platforms/libqvkkhrdisplay",
    "platforms/libqvnc", "egldeviceintegrations/", "generic/", "platformthemes/libqgtk3",
    "wayland-shell-integration/libfullscreen-shell", "wayland-shell-integration/libivi-shell",
    "wayland-shell-integration/libwl-shell", "wayland-graphics-integration-client/libdmabuf-server",
    "wayland-graphics-integration-client/libdrm-egl-server", "wayland-graphics-integration-client/libshm-emulation-server",
    "wayland-graphics-integration-client/libvulkan-server",
    # OpenGL integrations: the window is QtWidgets painted in software (raster); no GL view.
    "xcbglintegrations/", "wayland-graphics-integration-client/libqt-plugin-wayland-egl",
    "imageformats/libqtga", "imageformats/libqwbmp", "imageformats/qtga", "imageformats/qwbmp",
    # TIFF (1 MB): only thumbnails of .tif attachments need it (field photos are JPEG,
    # PNG, WebP); a .tif attachment is still kept, synced and opened in the system viewer.
    "imageformats/libqtiff", "imageformats/qtiff",
)
# Qt libraries that only modules or plugins left out above would load.
DROPPED_QT_LIBS = ("Qt6Qml", "Qt6Quick", "Qt6WebEngine", "Qt6Pdf", "Qt6Designer", "Qt6Multimedia",
                   "Qt6VirtualKeyboard", "Qt6EglFSDeviceIntegration", "Qt6EglFsKmsSupport")


def drop_binary(dest: str, platform: str = sys.platform) -> bool:
    """True for a collected binary (destination path in the bundle) the app never loads."""
    d = dest.replace("\\", "/")
    name = d.rsplit("/", 1)[-1]
    if "/Qt/plugins/" in d or d.startswith("PySide6/plugins/"):
        plugin = d.split("/plugins/", 1)[1]
        if any(plugin.startswith(p) for p in DROPPED_QT_PLUGINS):
            return True
        if plugin.startswith("imageformats/") and "icns" in plugin and platform != "darwin":
            return True
    return any(lib in name for lib in DROPPED_QT_LIBS)


def prune_binaries(binaries: list[tuple], needed) -> tuple[list[tuple], list[str]]:
    """Drop the binaries `drop_binary` names, then the shared libraries only they needed
    (directly or through each other). `needed(src)` gives the names of the libraries a
    binary links to. A library nothing dropped linked to is never touched (some are
    loaded by name at run time). Returns the kept entries and the names removed."""
    base = lambda entry: entry[0].replace("\\", "/").rsplit("/", 1)[-1]  # noqa: E731
    by_name = {base(b): b for b in binaries}
    links: dict[str, set[str]] = {}

    def closure(roots: list[tuple]) -> set[str]:
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            entry = stack.pop()
            if entry[1] not in links:
                links[entry[1]] = set(needed(entry[1]))
            for name in links[entry[1]] - seen:
                seen.add(name)
                if name in by_name:
                    stack.append(by_name[name])
        return seen

    dropped = [b for b in binaries if drop_binary(b[0])]
    kept = [b for b in binaries if not drop_binary(b[0])]
    candidates = closure(dropped)
    wanted = closure([b for b in kept if base(b) not in candidates])
    final = [b for b in kept if base(b) not in candidates or base(b) in wanted]
    removed = sorted({base(b) for b in binaries} - {base(b) for b in final})
    return final, removed


def _lang_of(locale: str) -> str:
    return re.split(r"[_@-]", locale, maxsplit=1)[0]
