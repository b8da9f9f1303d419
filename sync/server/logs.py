"""Structured logs: one JSON object per line on stderr.

Only what an operator needs: time, level, event, method, path (never the query string),
status, duration, user name. Request bodies, passwords and tokens are never logged;
`redact` scrubs anything token-like that reaches a message anyway. An error is logged as
an error id, its exception type and where it was raised: never its message or traceback
text, which quote SQL parameters (the records themselves).
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
from typing import Any

_SECRET = re.compile(r"(?i)(bearer\s+|token[\"'=:\s]+|password[\"'=:\s]+)[^\s\"',}]+")

LOGGER = logging.getLogger("fieldapp.server")


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: m.group(1) + "[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            out.update({k: v for k, v in extra.items() if k not in ("password", "token", "authorization")})
        if record.exc_info and record.exc_info[0] is not None:
            # The type and where, never the message or the traceback's text: a database
            # error's message quotes the statement's parameters, that is, the record.
            out["exception"] = record.exc_info[0].__name__
            out["where"] = [f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}:{f.name}"
                            for f in traceback.extract_tb(record.exc_info[2])[-4:]]
        return json.dumps(out, ensure_ascii=False, default=str)


def configure(level: int = logging.INFO) -> None:
    """Send fieldapp and uvicorn logs through the JSON formatter; uvicorn's own access log
    (which prints query strings) is silenced in favour of ours."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("fieldapp", "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(level)
        lg.propagate = False
    logging.getLogger("uvicorn.access").disabled = True


def log(event: str, level: int = logging.INFO, **fields: object) -> None:
    LOGGER.log(level, event, extra={"fields": fields})
