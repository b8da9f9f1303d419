"""A smaller ICU data library for the Linux bundle.

PySide6's Linux wheels link Qt against ICU, whose data library (libicudata.so.73) is
32 MB: a fifth of the bundle. Qt reads only part of it (collation, locale data, line
breaking); most of the rest is locale data for hundreds of languages and legacy code
page converters Qt 6 does not use (it decodes UTF-8 itself and assumes a UTF-8 system).
This keeps what Qt reads (collation, time zones, calendars) for root, English and the
app's shipped languages (with all their regional variants) and every
locale-independent item, and links a replacement library
exporting the same single symbol (icudt<NN>_dat) under the same soname.

Tools: `icupkg` (Debian/Ubuntu package icu-devtools) and a C compiler driver (cc/gcc).
When either is missing, `subset_library` returns None and the bundle keeps the full
library: the build stays correct, only bigger.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterable

_LOCALE = re.compile(r"^([a-z]{2,3})(?:_[A-Za-z0-9]+)*$")
NOT_LOCALES = {"res_index"}  # locale-shaped names that are structural
# Qt 6 calls ICU for collation (ucol_*), time zones (ucal_*), case mapping and code page
# converters (ucnv_*) only: `objdump -T libQt6Core.so.6 | grep _73`. Nothing in Qt reads
# ICU's break iterators, units, currencies, language/region display names, spelled-out
# numbers or transliterators, and nothing else in the bundle links ICU.
UNUSED_TREES = {"brkitr", "unit", "curr", "lang", "region", "rbnf", "translit"}


def keep_item(item: str, languages: Iterable[str]) -> bool:
    """Whether ICU data item `item` (e.g. 'coll/fr_CA.res', 'ibm-1252_P100-2000.cnv')
    stays in the subset for `languages` (root and English always stay)."""
    langs = {"en", *languages}
    folder, _, name = item.rpartition("/")
    if name.endswith(".cnv") or folder in UNUSED_TREES:
        return False
    stem, _, ext = name.rpartition(".")
    if ext != "res" or stem in NOT_LOCALES:
        return True
    m = _LOCALE.match(stem)
    return not m or m.group(1) in langs


def _symbol(library: Path) -> tuple[str, int, int]:
    """(name, file offset, size) of the data symbol in the ICU data library."""
    table = subprocess.run(["objdump", "-T", str(library)], check=True, capture_output=True, text=True).stdout
    sym = next(line.split() for line in table.splitlines() if re.search(r"\bicudt\d+_dat\b", line))
    address, size, name = int(sym[0], 16), int(sym[4], 16), sym[-1]
    for line in subprocess.run(["objdump", "-h", str(library)], check=True, capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) > 5 and parts[1] == ".rodata":
            vma, offset = int(parts[3], 16), int(parts[5], 16)
            return name, offset + address - vma, size
    raise RuntimeError(f"no .rodata section in {library}")


def tools_available() -> bool:
    return all(shutil.which(t) for t in ("icupkg", "objdump")) and bool(shutil.which("cc") or shutil.which("gcc"))


def subset_library(library: Path, languages: Iterable[str], work: Path) -> Path | None:
    """Write a reduced copy of `library` into `work`; returns its path, or None when the
    tools are missing (the caller then bundles the original)."""
    if not tools_available():
        return None
    work.mkdir(parents=True, exist_ok=True)
    name, offset, size = _symbol(library)
    # icupkg takes the package name (icudt73l: version, little-endian) from the file name.
    package = name.replace("_dat", "") + "l"
    (work / "full").mkdir(exist_ok=True)
    (work / "subset").mkdir(exist_ok=True)
    full = work / "full" / f"{package}.dat"
    with library.open("rb") as fh:
        fh.seek(offset)
        full.write_bytes(fh.read(size))
    items = subprocess.run(["icupkg", "-l", str(full)], check=True, capture_output=True, text=True).stdout.split()
    langs = list(languages)
    removed = {i for i in items if not keep_item(i, langs)}
    small = work / "subset" / f"{package}.dat"
    for _attempt in range(10):  # an item a kept one depends on (an alias's target) goes back in
        (work / "remove.txt").write_text("\n".join(sorted(removed)) + "\n", encoding="utf-8")
        small.unlink(missing_ok=True)
        done = subprocess.run(["icupkg", "-r", str(work / "remove.txt"), str(full), str(small)], capture_output=True, text=True)
        needed = set(re.findall(r"depends on missing item (\S+)", done.stdout + done.stderr))
        if done.returncode == 0 and small.exists():
            break
        if not needed:
            raise RuntimeError(f"icupkg failed: {done.stderr.strip()}")
        removed -= needed
    else:
        raise RuntimeError("icupkg: dependencies did not settle")
    asm = work / "icudata.S"
    asm.write_text(
        "\t.section .rodata\n"
        f"\t.globl {name}\n"
        f"\t.type {name}, @object\n"
        "\t.balign 16\n"
        f"{name}:\n"
        f'\t.incbin "{small}"\n'
        f"\t.size {name}, . - {name}\n"
        '\t.section .note.GNU-stack,"",@progbits\n',
        encoding="utf-8",
    )
    out = work / library.name
    compiler = shutil.which("cc") or shutil.which("gcc")
    subprocess.run([compiler, "-shared", "-nostdlib", f"-Wl,-soname,{library.name}", "-o", str(out), str(asm)],
                   check=True, capture_output=True)
    return out
