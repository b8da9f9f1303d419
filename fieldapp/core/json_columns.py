"""How the store writes its JSON columns: the text `json.dumps` makes, faster.

`json.dumps` builds a new C encoder for every call; an initial sync writes three JSON
columns for each of its rows (field versions, clocks, list fields), 60 000 calls for
10 000 practices, and the construction was two thirds of their cost. One encoder made
once gives byte-identical text (same separators, ASCII escapes, NaN handling) at a third
of the time. Python builds without the C accelerator fall back to `json.dumps`.
"""
from __future__ import annotations

import json
from json import encoder as _encoder
from typing import Any, Callable


def _one_encoder() -> Callable[[Any], str]:
    make = getattr(_encoder, "c_make_encoder", None)  # C accelerator (not in typeshed)
    if make is None:  # pure-Python json: nothing to gain
        return json.dumps
    # json.dumps's defaults: no indent, ", " and ": ", keys unsorted, no skipping, NaN
    # allowed. No cycle check: the values are decoded JSON or fields' plain values.
    encode = make(None, json.JSONEncoder().default, _encoder.encode_basestring_ascii, None, ": ", ", ",
                  False, False, True)

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0))

    return dumps


dumps: Callable[[Any], str] = _one_encoder()
