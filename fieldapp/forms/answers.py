"""Answers as they are stored: what each question type accepts, and how it reads in expressions.

`coerce_answer` turns what a person or a widget gives (text typed with a decimal comma,
a date object, "14.69 -17.44", a list of codes) into the JSON kept in
`form_submission.answers`, or raises ValueError with a message for the person typing.
`expression_value` is the XLSForm view of a stored answer: a select_multiple is its
codes joined by spaces, a geopoint "lat lon alt accuracy", an attachment its file name.

Stored forms: text str; integer int (|n| < 2**53); decimal float; date "YYYY-MM-DD";
select_one code; select_multiple [codes]; geopoint {"lat", "lon", "alt"?, "accuracy"?};
image/file {"name", "sha256"?, "size"?, "mime"?} (the file itself travels as an
attachment addressed by its SHA-256).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from fieldapp.core.fieldspec import parse_date, parse_decimal
from fieldapp.forms import expressions
from fieldapp.forms.definition import (
    ATTACHMENT_TYPES, DATE, DECIMAL, GEOPOINT, IMAGE, INTEGER, SELECT_MULTIPLE, SELECT_ONE, TEXT, Question,
)
from fieldapp.forms.expressions import Value
from fieldapp.i18n import _

MAX_INT = 2 ** 53
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "bmp", "tif", "tiff"}
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def _type_error(message: str) -> ValueError:
    return ValueError(message)


def coerce_answer(q: Question, value: Any, choice_codes: set[str] | None) -> Any:
    """The stored form of an answer, or ValueError with a message for the person typing."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}:
        return None
    t = q.type
    if t == TEXT:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise _type_error(_("Must be text"))
        return value if isinstance(value, str) else expressions.to_string(value)
    if t == INTEGER:
        if isinstance(value, bool):
            raise _type_error(_("Must be a whole number"))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            s = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            if not re.fullmatch(r"[+-]?\d{1,16}", s):
                raise _type_error(_("Must be a whole number"))
            value = int(s)
        if not isinstance(value, int):
            raise _type_error(_("Must be a whole number"))
        if abs(value) >= MAX_INT:
            raise _type_error(_("The number is too large"))
        return value
    if t == DECIMAL:
        if isinstance(value, bool):
            raise _type_error(_("Must be a number"))
        if isinstance(value, str):
            try:
                value = parse_decimal(value)
            except ValueError:
                raise _type_error(_("Must be a number")) from None
        if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
            raise _type_error(_("Must be a number"))
        if abs(value) >= 1e15:
            raise _type_error(_("The number is too large"))
        return float(value)
    if t == DATE:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return parse_date(value).isoformat()
            except ValueError:
                raise _type_error(_("Must be a date (YYYY-MM-DD)")) from None
        raise _type_error(_("Must be a date (YYYY-MM-DD)"))
    if t == SELECT_ONE:
        if isinstance(value, float) and value.is_integer():
            value = str(int(value))
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise _type_error(_("Must be one of the choices"))
        code = str(value).strip()
        if choice_codes is not None and code not in choice_codes:
            raise _type_error(_("'{code}' is not one of the choices").format(code=code))
        return code
    if t == SELECT_MULTIPLE:
        if isinstance(value, str):
            codes = value.split()
        elif isinstance(value, (list, tuple, set)) and all(isinstance(c, str) for c in value):
            codes = [c.strip() for c in value if c.strip()]
        else:
            raise _type_error(_("Must be a list of choices"))
        codes = list(dict.fromkeys(codes))
        if choice_codes is not None:
            unknown = [c for c in codes if c not in choice_codes]
            if unknown:
                raise _type_error(_("'{code}' is not one of the choices").format(code=unknown[0]))
        return codes or None
    if t == GEOPOINT:
        return _coerce_geopoint(value)
    if t in ATTACHMENT_TYPES:
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"].strip():
            raise _type_error(_("Must be an attached file"))
        out = {"name": value["name"].strip()}
        sha = value.get("sha256")
        if sha is not None:
            if not isinstance(sha, str) or not _SHA256_RE.fullmatch(sha):
                raise _type_error(_("The attachment's SHA-256 is not valid"))
            out["sha256"] = sha
        for key in ("size",):
            if value.get(key) is not None:
                if not isinstance(value[key], int) or isinstance(value[key], bool) or value[key] < 0:
                    raise _type_error(_("The attachment's size is not valid"))
                out[key] = value[key]
        if isinstance(value.get("mime"), str):
            out["mime"] = value["mime"]
        if t == IMAGE and out["name"].rsplit(".", 1)[-1].lower() not in IMAGE_EXTENSIONS:
            raise _type_error(_("Must be an image (JPEG, PNG, ...)"))
        return out
    raise _type_error(_("This question takes no answer"))


def _coerce_geopoint(value: Any) -> dict[str, float]:
    if isinstance(value, str):
        parts = value.replace(",", " ").split()
        try:
            value = [float(p) for p in parts]
        except ValueError:
            raise _type_error(_("Must be a location: latitude and longitude")) from None
    if isinstance(value, (list, tuple)):
        if not 2 <= len(value) <= 4:
            raise _type_error(_("Must be a location: latitude and longitude"))
        value = dict(zip(("lat", "lon", "alt", "accuracy"), value))
    if not isinstance(value, dict):
        raise _type_error(_("Must be a location: latitude and longitude"))
    out: dict[str, float] = {}
    for key in ("lat", "lon", "alt", "accuracy"):
        v = value.get(key, value.get({"lat": "latitude", "lon": "longitude"}.get(key, key)))
        if v is None:
            if key in ("lat", "lon"):
                raise _type_error(_("Must be a location: latitude and longitude"))
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) or math.isinf(v):
            raise _type_error(_("Must be a location: latitude and longitude"))
        out[key] = float(v)
    if not -90 <= out["lat"] <= 90:
        raise _type_error(_("The latitude must be between -90 and 90"))
    if not -180 <= out["lon"] <= 180:
        raise _type_error(_("The longitude must be between -180 and 180"))
    if out.get("accuracy", 0) < 0:
        raise _type_error(_("The accuracy cannot be negative"))
    return out


def expression_value(q: Question | None, value: Any) -> Value:
    """How an answer reads inside an expression (XLSForm conventions)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, dict):
        if "lat" in value:
            return " ".join(expressions.format_number(value[k]) for k in ("lat", "lon", "alt", "accuracy")
                            if k in value)
        return value.get("name", "")
    return value
