"""The column-mapping step: which field each column of a file goes to.

When a partner's spreadsheet has headers of its own ("Nom de l'organisation", "Pays"),
the window shows each column with a sample and a suggested field, and the person fixes
what the suggestion missed. The mapping is plain data ({header: field or None}) so the
command line (`--map`) and the window give the importer the same thing."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from fieldapp.core.fieldspec import Entity
from fieldapp.core.transfer_codes import column_map, fold

Mapping_ = dict[str, str | None]  # header -> field name ("id" included), None: leave the column out


@dataclass(frozen=True)
class ColumnSuggestion:
    header: str
    field: str | None  # None: no field matched
    samples: tuple[str, ...]


def suggest(e: Entity, header: Sequence[str], records: Sequence[tuple[int, Mapping[str, object]]] = (),
            samples: int = 3) -> list[ColumnSuggestion]:
    """Each column with the field its name matches (or None) and its first values."""
    colmap = column_map(e)
    taken: set[str] = set()
    out = []
    for name in header:
        target = colmap.get(fold(name)) if name else None
        if target in taken:
            target = None
        if target:
            taken.add(target)
        values = tuple(str(rec.get(name)) for _line, rec in records[: samples * 4]
                       if rec.get(name) not in (None, ""))[:samples]
        out.append(ColumnSuggestion(name, target, values))
    return out


def needs_mapping(e: Entity, header: Sequence[str], records: Sequence[tuple[int, Mapping[str, object]]] = ()) -> bool:
    """True when some column with content matches no field: the window then shows the step."""
    return any(s.field is None and (s.header or s.samples) for s in suggest(e, header, records))


def targets(e: Entity) -> list[str]:
    """The fields a column may go to, in the schema's order."""
    return ["id", *e.field_names]


def parse_cli(pairs: Sequence[str]) -> Mapping_:
    """`--map "Nom=name" --map "Remarque="`: an empty field leaves the column out."""
    mapping: Mapping_ = {}
    for pair in pairs:
        header, sep, target = pair.partition("=")
        if not sep:
            raise ValueError(pair)
        mapping[header.strip()] = target.strip() or None
    return mapping
