"""Answers as they are stored: what each question type accepts, and how it reads in expressions.

`coerce_answer` turns what a person or a widget gives (text typed with a decimal comma,
a date object, "14.69 -17.44", a list of codes) into the JSON kept in
`form_submission.answers`, or raises ValueError with a message for the person typing.
`expression_value` is the XLSForm view of a stored answer: a select_multiple is its
codes joined by spaces, a geopoint "lat lon alt accuracy", an attachment its file name.

Stored forms: text, barcode and metadata str; integer int (|n| < 2**53); decimal float;
date "YYYY-MM-DD"; time "HH:MM[:SS]"; datetime ISO 8601 text; select_one code;
select_multiple [codes]; geopoint {"lat", "lon", "alt"?, "accuracy"?}; geotrace and
geoshape "lat lon;lat lon;..." as ODK writes them; image/audio/video/file {"name",
"sha256"?, "size"?, "mime"?} (the file itself travels as an attachment addressed by its
SHA-256).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from fieldapp.core.fieldspec import parse_date, parse_decimal
from fieldapp.forms import expressions
from fieldapp.forms.definition import (
    ATTACHMENT_TYPES, BARCODE, DATE, DATETIME, DECIMAL, GEOPOINT, GEOSHAPE, GEOTRACE, HIDDEN, IMAGE, INTEGER, METADATA_TYPES,
    SELECT_MULTIPLE, SELECT_ONE, TEXT, TIME, Question,
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
    if t in (TEXT, BARCODE, HIDDEN) or t in METADATA_TYPES:
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
    if t == TIME:
        return _coerce_time(value)
    if t == DATETIME:
        return _coerce_datetime(value)
    if t == GEOPOINT:
        return _coerce_geopoint(value)
    if t in (GEOTRACE, GEOSHAPE):
        return _coerce_points(value, closed=t == GEOSHAPE)
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


_TIME_RE = re.compile(r"([01]?\d|2[0-3])[:h.]([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?")


def _coerce_time(value: Any) -> str:
    """A time of day kept as "HH:MM" or "HH:MM:SS" (ODK keeps the offset too; a desktop
    form is filled where it is answered, so local time is what a person means)."""
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    m = _TIME_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not m:
        raise _type_error(_("Must be a time of day (HH:MM)"))
    hh, mm, ss = int(m.group(1)), m.group(2), m.group(3)
    return f"{hh:02d}:{mm}" + (f":{ss}" if ss and ss != "00" else "")


def _coerce_datetime(value: Any) -> str:
    """A date and time kept as ISO 8601 text ("2025-03-14T09:30" or with seconds/offset)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1).replace("Z", "+00:00"))
        except ValueError:
            raise _type_error(_("Must be a date and time (YYYY-MM-DD HH:MM)")) from None
        return parsed.isoformat(timespec="seconds" if parsed.second else "minutes")
    raise _type_error(_("Must be a date and time (YYYY-MM-DD HH:MM)"))


def _coerce_points(value: Any, closed: bool) -> str:
    """A line (geotrace, 2 points or more) or an area (geoshape, first point repeated at
    the end, 4 points or more) in ODK's text form: "lat lon alt acc;lat lon alt acc;..."."""
    if isinstance(value, (list, tuple)):
        points = [_coerce_geopoint(p) for p in value]
    elif isinstance(value, str):
        points = [_coerce_geopoint(p) for p in value.split(";") if p.strip()]
    else:
        raise _type_error(_("Must be points separated by ';' (latitude longitude)"))
    if closed and len(points) >= 3 and points[0] != points[-1]:
        points.append(points[0])
    if len(points) < (4 if closed else 2):
        raise _type_error(_("An area needs at least 3 points") if closed else _("A line needs at least 2 points"))
    return ";".join(" ".join(expressions.format_number(p[k]) for k in ("lat", "lon", "alt", "accuracy") if k in p)
                    for p in points)


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
