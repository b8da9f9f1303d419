"""Small builders of JSON form definitions for the forms tests."""
from __future__ import annotations

import datetime as dt

FIXED_NOW = dt.datetime(2026, 3, 15, 9, 30, tzinfo=dt.timezone.utc)


def q(name, type_="text", label=None, **kw):
    """A question element of a JSON definition."""
    out = {"kind": "question", "name": name, "type": type_}
    if type_ not in ("calculate", "start", "end", "today"):
        out["label"] = label if isinstance(label, dict) else {"en": label or name.replace("_", " ").title()}
    out.update(kw)
    return out


def form(*children, choices=None, **kw):
    out = {"form_id": kw.pop("form_id", "test_form"), "title": {"en": "Test"}, "children": list(children),
           "choices": choices or {}}
    out.update(kw)
    return out


def clock():
    return FIXED_NOW
