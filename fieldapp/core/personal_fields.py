"""Which fields of the one schema name or reach a person, declared once for the app's
export and erasure (core/person_data.py) and the service's (sync/server/erasure.py).

Erasing a contact empties these fields of the contact and tombstones it, and anonymises
the rows that point at it: a meeting's participant keeps its gender and age group (the
attendance figures stay true) but loses its name, organisation and link; an action item
loses its owner. Country and region stay: they are no one's and decide who syncs the row.
"""
from __future__ import annotations

from fieldapp.core.schema import BY_NAME

ANONYMOUS = "—"  # the name an erased contact or participant keeps (both fields are required)

# entity -> (the field that points at the contact, or None for the contact itself; the personal fields)
PERSONAL: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "contact": (None, ("full_name", "organisation_id", "role", "email", "phone", "languages", "gender", "notes")),
    "meeting_participant": ("contact_id", ("contact_id", "name", "organisation_name")),
    "action_item": ("owner_contact_id", ("owner_contact_id", "owner_name")),
}
NAME_FIELDS = {"contact": "full_name", "meeting_participant": "name"}  # required: ANONYMOUS, never None


def scrubbed(entity_name: str) -> dict[str, object]:
    """The values an erased row of `entity_name` takes."""
    _link, names = PERSONAL[entity_name]
    values: dict[str, object] = {name: None for name in names}
    if entity_name in NAME_FIELDS:
        values[NAME_FIELDS[entity_name]] = ANONYMOUS
    return values


for _entity, (_link, _names) in PERSONAL.items():  # the declaration follows the schema
    assert all(BY_NAME[_entity].has(n) for n in _names), _entity
