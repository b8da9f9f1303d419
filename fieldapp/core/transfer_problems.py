"""What an import reports: each problem with its line and field, and what was written.

Kept apart from the readers and the checker so that the window's problems table, the
command line and the tests all speak of the same three things: line, field, reason."""
from __future__ import annotations

from dataclasses import dataclass, field

from fieldapp.i18n import _


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file. `line` is the spreadsheet row for CSV and
    XLSX (the header is line 1) and the record's position for JSON and GeoJSON (first
    record is 1); `field` names the column ('' when the problem is the whole row);
    `sheet` names the XLSX sheet or the entity when a file holds several."""

    line: int
    field: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        where = f"{self.sheet}, " if self.sheet else ""
        if self.field:
            return where + _("line {line}, field {field}: {message}").format(line=self.line, field=self.field, message=self.message)
        return where + _("line {line}: {message}").format(line=self.line, message=self.message)


@dataclass
class ImportResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # bad rows left out (only with skip_invalid)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.inserted + self.updated

    def add(self, other: "ImportResult") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        self.problems.extend(other.problems)


class ImportFileError(ValueError):
    """The file cannot be read at all (not CSV/JSON/XLSX/GeoJSON, no header, not a list
    of objects, an encoding that does not fit)."""
