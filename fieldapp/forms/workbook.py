"""Reading the sheets of a spreadsheet workbook as rows of cell values, whatever its format.

XLSForms come as Excel 2007+ workbooks (.xlsx, read with openpyxl) and, for about a
quarter of the forms in the wild, as Excel 97-2003 workbooks (.xls, read with xlrd).
The format is told by the file's first bytes, not its name: a renamed file still opens.

Only the sheets asked for are read. Empty rows are skipped (rows that are merely
formatted, often a million of them below a form, count for nothing); a sheet with more
than `MAX_ROWS` rows holding values, or a run of `MAX_BLANK_RUN` empty rows, ends the
reading of that sheet, so a hostile or broken file cannot make the import run for minutes.
"""
from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from fieldapp.forms.errors import FormImportError
from fieldapp.i18n import _

MAX_ROWS = 50_000  # rows with values, per sheet: far above real forms (a country list is 250 rows)
MAX_BLANK_RUN = 10_000  # empty rows in a row: what is below is not part of the form
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 100 * 2 ** 20
MAX_XLS_BYTES = 100 * 2 ** 20

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Rows = list[tuple[int, tuple[Any, ...]]]  # (1-based row number, cell values)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _keep(rows: Iterable[tuple[Any, ...]], sheet: str) -> Rows:
    """The header row and every row holding a value, with their numbers as the spreadsheet shows them."""
    out: Rows = []
    blank_run = 0
    for number, row in enumerate(rows, start=1):
        row = tuple(row[:MAX_COLUMNS])
        if number > 1 and all(_blank(v) for v in row):  # () too: an empty row
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        out.append((number, row))
        if len(out) > MAX_ROWS:
            raise FormImportError([_("{sheet}: more than {n} rows").format(sheet=sheet, n=MAX_ROWS)])
    return out


def read_sheets(path: Path, wanted: Iterable[str], first_as: str | None = None) -> dict[str, tuple[str, Rows]]:
    """{lowercased sheet title: (title as written, rows)} for the sheets in `wanted`
    (lowercase titles; surrounding spaces and case of the workbook's titles do not matter).
    `first_as`: a workbook of one sheet titled otherwise gives it under that key (pyxform
    reads a lone sheet as the survey)."""
    path = Path(path)
    if not path.exists():
        raise FormImportError([_("{file}: no such file").format(file=str(path))])
    try:
        with path.open("rb") as f:
            magic = f.read(8)
    except OSError as e:
        raise FormImportError([_("{file}: cannot be read: {reason}").format(file=path.name, reason=str(e))]) from None
    wanted = {w.lower() for w in wanted}
    if magic.startswith(OLE_MAGIC):
        return dict(_read_xls(path, wanted, first_as))
    if magic.startswith(ZIP_MAGIC):
        return dict(_read_xlsx(path, wanted, first_as))
    raise FormImportError([_("{file}: not a spreadsheet workbook (an XLSForm is an .xlsx or .xls file)").format(
        file=path.name)])


def _lone(titles: list[str], wanted: set[str], first_as: str | None) -> dict[str, str]:
    """{title as written: key} of the sheets to read."""
    keys = {t: t.strip().lower() for t in titles}
    chosen: dict[str, str] = {}
    for title, key in keys.items():
        if key in wanted and key not in chosen.values():
            chosen[title] = key
    if first_as and len(titles) == 1 and not chosen:
        chosen[titles[0]] = first_as
    return chosen


def _read_xlsx(path: Path, wanted: set[str], first_as: str | None = None) -> Iterator[tuple[str, tuple[str, Rows]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:  # a workbook is a zip: refuse one that would unpack to something huge (zip bomb)
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        unpacked = 0  # openpyxl below gives the message
    if unpacked > MAX_UNPACKED_BYTES:
        raise FormImportError([_("{file}: the workbook is too large ({mb} MB unpacked, at most {max} MB)").format(
            file=path.name, mb=unpacked // 2 ** 20, max=MAX_UNPACKED_BYTES // 2 ** 20)])
    try:
        with warnings.catch_warnings():  # "unknown extension", "no default style": about Excel, not the form
            warnings.simplefilter("ignore", UserWarning)
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        raise FormImportError([_("{file}: not a readable .xlsx workbook: {reason}").format(
            file=path.name, reason=type(e).__name__)]) from None
    chosen = _lone([ws.title for ws in wb.worksheets], wanted, first_as)
    try:
        for ws in wb.worksheets:
            if ws.title in chosen:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    rows = _keep(_xlsx_rows(ws), ws.title.strip())
                yield chosen[ws.title], (ws.title.strip(), rows)
    finally:
        wb.close()


def _xlsx_rows(ws) -> Iterator[tuple[Any, ...]]:
    """Rows cut to the header's width: columns past it carry nothing a form reads."""
    rows = ws.iter_rows(values_only=True)
    header = tuple(next(rows, ())[:MAX_COLUMNS])
    width = max((i + 1 for i, v in enumerate(header) if not _blank(v)), default=0)
    yield header[:width]
    for row in rows:
        yield row[:width]


def _read_xls(path: Path, wanted: set[str], first_as: str | None = None) -> Iterator[tuple[str, tuple[str, Rows]]]:
    import xlrd

    if path.stat().st_size > MAX_XLS_BYTES:
        raise FormImportError([_("{file}: the workbook is too large ({mb} MB, at most {max} MB)").format(
            file=path.name, mb=path.stat().st_size // 2 ** 20, max=MAX_XLS_BYTES // 2 ** 20)])
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as e:  # noqa: BLE001 - xlrd raises many kinds for a damaged file
        raise FormImportError([_("{file}: not a readable .xls workbook: {reason}").format(
            file=path.name, reason=type(e).__name__)]) from None
    chosen = _lone(book.sheet_names(), wanted, first_as)
    try:
        for index, title in enumerate(book.sheet_names()):
            if title not in chosen:
                continue
            key = chosen[title]
            sheet = book.sheet_by_index(index)
            width = 0  # columns past the header's last one carry nothing a form reads
            if sheet.nrows:
                header = sheet.row_values(0, 0, min(sheet.ncols, MAX_COLUMNS))
                width = max((i + 1 for i, v in enumerate(header) if not _blank(v)), default=0)
            blank_types = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)

            def rows(sheet=sheet, width=width):
                for r in range(sheet.nrows):
                    if r and all(t in blank_types for t in sheet.row_types(r, 0, width)):
                        yield ()  # a formatted empty row: no cell objects for it
                        continue
                    yield tuple(_xls_value(book, cell) for cell in sheet.row_slice(r, 0, width))
            yield key, (title.strip(), _keep(rows(), title.strip()))
    finally:
        book.release_resources()


def _xls_value(book, cell) -> Any:
    """An .xls cell as openpyxl would give it: None, str, float, bool, datetime."""
    import xlrd

    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            value = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
        return value.time() if value.date() == dt.date(1899, 12, 31) and cell.value < 1 else value
    return cell.value
