"""Build the desktop app for the current OS into dist/ (`make package`).

    python packaging/build.py              # catalogs, PyInstaller onedir, then the OS's package
    python packaging/build.py --no-freeze  # package an existing dist/fieldapp again

Steps: compile the translation catalogs; run PyInstaller on packaging/fieldapp.spec
(one folder, dist/fieldapp or dist/FieldApp.app); then, per OS:
- Linux: FieldApp-<version>-linux-<arch>.tar.gz (the folder, a .desktop entry, icons,
  install.sh/uninstall.sh), an AppDir, and an AppImage when `appimagetool` is found
  (APPIMAGETOOL or PATH; it is not in any package registry this project can use);
- Windows: FieldApp-<version>-windows-x64.zip, and the Inno Setup installer when ISCC.exe
  is found (ISCC or PATH or its default folder);
- macOS: FieldApp-<version>-macos-<arch>.dmg made with hdiutil from dist/FieldApp.app.
The unpacked size of the bundle is printed and written with the artefacts' sizes to
dist/package-report.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import bundle_config as cfg  # noqa: E402

DIST = ROOT / "dist"
WORK = ROOT / "build"
# 120 MB until this round; 150 then: python-docx brings lxml (9.6 MB) for meeting minutes as
# Word, and the fonts for Arabic and Chinese practice sheets ship (2.3 MB); 145 MB measured.
# 160 now: encryption at rest brings sqlcipher3 (8.4 MB: SQLCipher with its own static
# OpenSSL, already stripped); cryptography (11.6 MB) was in already on Linux, through
# SecretStorage. 153.6 MB measured on Linux.
SIZE_TARGET_MB = 160


def version() -> str:
    text = (ROOT / "fieldapp" / "__init__.py").read_text(encoding="utf-8")
    return text.split('__version__ = "', 1)[1].split('"', 1)[0]


def arch() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}.get(machine, machine) if sys.platform != "darwin" \
        else {"x86_64": "x86_64"}.get(machine, "arm64")


def log(message: str) -> None:
    print(f"[package] {message}", flush=True)


def run(cmd: list[str], **kw) -> None:
    log("$ " + " ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, **kw)


# --------------------------------------------------------------------------- steps
def compile_catalogs() -> None:
    """The .mo files are build products (not in git): compile them from the .po files."""
    manage = ROOT / "translations" / "manage.py"
    if manage.exists():
        run([sys.executable, manage, "compile"], cwd=ROOT)
    else:  # the catalogs without their tooling: compile with Babel directly
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in (ROOT / "translations").glob("*/LC_MESSAGES/fieldapp.po"):
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with po.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, catalog)
    missing = cfg.missing_catalogs()
    if missing:
        raise SystemExit(f"no compiled catalog for {', '.join(missing)}")


def make_icons() -> None:
    """Windows wants .ico, macOS .icns; both are made from the shipped PNGs."""
    icons = ROOT / "resources" / "icons"
    out = WORK / "icons"
    out.mkdir(parents=True, exist_ok=True)
    pngs = sorted(icons.glob("fieldapp-*.png"), key=lambda p: int(p.stem.split("-")[1]))
    if not pngs:
        log("no resources/icons/fieldapp-*.png: the executables get PyInstaller's default icon")
        return
    write_ico(pngs, out / "fieldapp.ico")
    if sys.platform == "darwin" and shutil.which("iconutil"):
        iconset = out / "fieldapp.iconset"
        shutil.rmtree(iconset, ignore_errors=True)
        iconset.mkdir()
        by_size = {int(p.stem.split("-")[1]): p for p in pngs}
        for size in (16, 32, 128, 256):
            if size in by_size:
                shutil.copy(by_size[size], iconset / f"icon_{size}x{size}.png")
            if size * 2 in by_size:
                shutil.copy(by_size[size * 2], iconset / f"icon_{size}x{size}@2x.png")
        run(["iconutil", "-c", "icns", iconset, "-o", out / "fieldapp.icns"])


def write_ico(pngs: list[Path], target: Path) -> None:
    """An .ico holding the PNGs as they are (PNG entries: Windows Vista and later)."""
    blobs = [p.read_bytes() for p in pngs]
    header = struct.pack("<HHH", 0, 1, len(blobs))
    offset = 6 + 16 * len(blobs)
    entries, data = b"", b""
    for blob in blobs:
        width, height = struct.unpack(">II", blob[16:24])  # the PNG's IHDR
        entries += struct.pack("<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(blob), offset + len(data))
        data += blob
    target.write_bytes(header + entries + data)


def freeze() -> Path:
    """Run PyInstaller; returns the folder people unpack (or the .app on macOS)."""
    run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", DIST, "--workpath", WORK / "pyinstaller", HERE / "fieldapp.spec"], cwd=ROOT)
    return bundle_path()


def bundle_path() -> Path:
    return DIST / f"{cfg.APP_NAME}.app" if sys.platform == "darwin" else DIST / cfg.DIST_NAME


def executable(bundle: Path, *, cli: bool = False) -> Path:
    """The program to run for --self-test and headless commands in `bundle`."""
    if sys.platform == "win32":
        return bundle / f"{cfg.CLI_EXE if cli else cfg.GUI_EXE}.exe"
    if sys.platform == "darwin":
        return bundle / "Contents" / "MacOS" / cfg.GUI_EXE
    return bundle / cfg.GUI_EXE


def tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(bundle: Path, count: int = 15) -> dict[str, float]:
    """MB per top-level entry of the bundle's library folder (and of PySide6/Qt), largest first."""
    internal = next((p for p in (bundle / "_internal", bundle / "Contents" / "Frameworks") if p.is_dir()), bundle)
    parts: dict[str, int] = {}
    for top in [*internal.iterdir(), *((internal / "PySide6" / "Qt").iterdir() if (internal / "PySide6" / "Qt").is_dir() else [])]:
        if top.name == "Qt" and top.parent.name == "PySide6":
            continue
        size = tree_size(top) if top.is_dir() else (0 if top.is_symlink() else top.stat().st_size)
        parts[str(top.relative_to(internal))] = size
    for exe in bundle.iterdir():
        if exe.is_file():
            parts[f"{exe.name} (program, with the compiled Python modules)"] = exe.stat().st_size
    parts["PySide6"] = parts.get("PySide6", 0) - sum(v for k, v in parts.items() if k.startswith("PySide6/Qt/"))
    ranked = sorted(parts.items(), key=lambda kv: -kv[1])[:count]
    return {k: round(v / 1e6, 1) for k, v in ranked}


# --------------------------------------------------------------------------- Linux
def linux_packages(bundle: Path) -> list[Path]:
    ver, machine = version(), arch()
    made = [linux_tarball(bundle, ver, machine)]
    appdir = linux_appdir(bundle)
    tool = os.environ.get("APPIMAGETOOL") or shutil.which("appimagetool")
    if tool:
        image = DIST / f"FieldApp-{ver}-{machine}.AppImage"
        run([tool, "--no-appstream", appdir, image], env={**os.environ, "ARCH": machine})
        made.append(image)
    else:
        log("AppImage skipped: appimagetool not found (set APPIMAGETOOL); the AppDir is in " + str(appdir))
    return made


def linux_tarball(bundle: Path, ver: str, machine: str) -> Path:
    """FieldApp-<v>/ with the program folder, the desktop entry, icons and install scripts."""
    top = f"FieldApp-{ver}"
    target = DIST / f"FieldApp-{ver}-linux-{machine}.tar.gz"
    linux = HERE / "linux"
    icons = ROOT / "resources" / "icons"

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{top}/{cfg.DIST_NAME}", filter=owned_by_root)
        for name in ("fieldapp.desktop", "install.sh", "uninstall.sh", "README.txt"):
            tar.add(linux / name, arcname=f"{top}/{name}", filter=owned_by_root)
        for icon in sorted(icons.glob("fieldapp*.*")):
            tar.add(icon, arcname=f"{top}/icons/{icon.name}", filter=owned_by_root)
    return target


def linux_appdir(bundle: Path) -> Path:
    """The AppDir layout appimagetool turns into an AppImage."""
    appdir = WORK / "FieldApp.AppDir"
    shutil.rmtree(appdir, ignore_errors=True)
    shutil.copytree(bundle, appdir / "usr" / "lib" / cfg.DIST_NAME, symlinks=True)
    shutil.copy(HERE / "linux" / "AppRun", appdir / "AppRun")
    (appdir / "AppRun").chmod(0o755)
    entry = (HERE / "linux" / "fieldapp.desktop").read_text(encoding="utf-8")
    (appdir / "fieldapp.desktop").write_text(entry, encoding="utf-8")
    icon = ROOT / "resources" / "icons" / "fieldapp-256.png"
    if icon.exists():
        shutil.copy(icon, appdir / "fieldapp.png")
        shutil.copy(icon, appdir / ".DirIcon")
    return appdir


# --------------------------------------------------------------------------- Windows
def windows_packages(bundle: Path) -> list[Path]:
    ver = version()
    made = [zip_folder(bundle, DIST / f"FieldApp-{ver}-windows-x64.zip", f"FieldApp-{ver}")]
    iscc = os.environ.get("ISCC") or shutil.which("ISCC") or shutil.which("iscc")
    default = Path(os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)")) / "Inno Setup 6" / "ISCC.exe"
    if not iscc and default.exists():
        iscc = str(default)
    if iscc:
        icon = WORK / "icons" / "fieldapp.ico"
        run([iscc, f"/DAppVersion={ver}", f"/DSourceDir={bundle}", f"/DOutputDir={DIST}",
             *([f"/DSetupIcon={icon}"] if icon.exists() else []), HERE / "windows" / "fieldapp.iss"])
        made.append(DIST / f"FieldApp-{ver}-windows-x64-setup.exe")
    else:
        log("installer skipped: Inno Setup's ISCC.exe not found (set ISCC)")
    return made


def zip_folder(folder: Path, target: Path, top: str) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, f"{top}/{p.relative_to(folder)}")
    return target


# --------------------------------------------------------------------------- macOS
def macos_packages(bundle: Path) -> list[Path]:
    """A compressed disk image holding the .app and a link to /Applications."""
    target = DIST / f"FieldApp-{version()}-macos-{arch()}.dmg"
    staging = WORK / "dmg"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    run(["ditto", bundle, staging / bundle.name])  # keeps symlinks, extended attributes and the signature
    (staging / "Applications").symlink_to("/Applications")
    target.unlink(missing_ok=True)
    run(["hdiutil", "create", "-volname", "Field App", "-srcfolder", staging, "-fs", "HFS+",
         "-format", "UDZO", "-ov", target])
    return [target]


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-freeze", action="store_true", help="package the existing dist/ bundle again")
    parser.add_argument("--no-archives", action="store_true", help="stop after the PyInstaller bundle")
    parser.add_argument("--no-compile", action="store_true", help="bundle the .mo files already compiled (translations being edited)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.no_freeze:
        bundle = bundle_path()
        if not bundle.exists():
            raise SystemExit(f"{bundle} does not exist: build without --no-freeze first")
    else:
        if args.no_compile:
            missing = cfg.missing_catalogs()
            if missing:
                raise SystemExit(f"--no-compile: no compiled catalog for {', '.join(missing)}")
        else:
            compile_catalogs()
        make_icons()
        bundle = freeze()
    made: list[Path] = []
    if not args.no_archives:
        if sys.platform.startswith("linux"):
            made = linux_packages(bundle)
        elif sys.platform == "win32":
            made = windows_packages(bundle)
        elif sys.platform == "darwin":
            made = macos_packages(bundle)
    size = tree_size(bundle)
    report = {
        "version": version(), "platform": sys.platform, "arch": arch(), "bundle": str(bundle.relative_to(ROOT)),
        "executable": str(executable(bundle, cli=True).relative_to(ROOT)),
        "unpacked_bytes": size, "unpacked_mb": round(size / 1e6, 1), "target_mb": SIZE_TARGET_MB,
        "files": sum(1 for p in bundle.rglob("*") if p.is_file()),
        "largest_mb": largest_parts(bundle),
        "artefacts": {p.name: p.stat().st_size for p in made},
        "excluded": cfg.excludes(), "languages": cfg.shipped_languages(),
        "seconds": round(time.monotonic() - started, 1),
    }
    (DIST / "package-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log(f"bundle: {bundle} ({report['files']} files)")
    log(f"unpacked size: {size / 1e6:.1f} MB (target <= {SIZE_TARGET_MB} MB)")
    for p in made:
        log(f"{p.name}: {p.stat().st_size / 1e6:.1f} MB")
    log(f"self-test: {executable(bundle, cli=True)} --self-test   (or: bash packaging/smoke.sh)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
