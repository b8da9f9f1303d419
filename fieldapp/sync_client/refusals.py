"""What a refusal of the service means for the person, and what happens to the change.

The service answers a refused op with `reason` "<code>: <message>". Some causes go away
by themselves and the change is sent again without anyone doing anything:

- `clock_ahead`: the stamp is repaired with the service's time and the op re-sent at once;
- `missing_ref`: it refers to a record (a form template, a parent) the service does not
  have yet; every sync tries again until that record is there.

The others need a person: they appear in "Needs attention" with these words.
"""
from __future__ import annotations

from dataclasses import dataclass

from fieldapp.core.outbox import PENDING, REJECTED, WAITING
from fieldapp.i18n import N_, _

RESTAMP = "restamp"  # repaired and sent again in the same sync
RETRY = "retry"  # waits; sent again by every sync
ATTENTION = "attention"  # a person decides

_ACTIONS = {"clock_ahead": RESTAMP, "missing_ref": RETRY}
SELF_HEALING = tuple(_ACTIONS)  # codes whose changes are sent again without anyone acting

# code: (what happened, what to do); marked for translation, translated when shown
_WORDS = {
    "clock_ahead": (N_("The computer's clock was ahead of the server's."),
                    N_("Nothing to do: the change is sent again with the right time.")),
    "missing_ref": (N_("It refers to a record the server does not have yet (a form template, or a record not yet sent)."),
                    N_("Nothing to do: it is sent again at every sync until that record is there.")),
    "forbidden": (N_("Your account may not make this change."),
                  N_("Ask an administrator for the right role, or discard the change.")),
    "out_of_scope": (N_("The record belongs to a region outside your account's regions."),
                     N_("Change the country or region in the record, ask an administrator to add the region "
                        "to your account, or discard the change.")),
    "not_found": (N_("The record no longer exists on the server."),
                  N_("Discard the change, or open the record and enter it again as a new one.")),
    "server_error": (N_("The server failed on this change."),
                     N_("Retry later; if it keeps failing, tell the server's administrator.")),
}
_DEFAULT = (N_("The server did not accept a value."),
            N_("Open the record, correct the field named above; the change is sent again by itself."))


@dataclass(frozen=True)
class Refusal:
    code: str
    detail: str  # the service's own message (already in the person's language when it could)

    @classmethod
    def parse(cls, reason: str | None) -> "Refusal":
        code, sep, detail = (reason or "").partition(":")
        if not sep or " " in code.strip():
            return cls("error", (reason or "").strip())
        return cls(code.strip(), detail.strip())

    @property
    def action(self) -> str:
        return _ACTIONS.get(self.code, ATTENTION)

    @property
    def state(self) -> str:
        """The outbox state a refused op takes (core.outbox)."""
        return {RESTAMP: PENDING, RETRY: WAITING}.get(self.action, REJECTED)

    def what(self) -> str:
        return _(_WORDS.get(self.code, _DEFAULT)[0])

    def advice(self) -> str:
        return _(_WORDS.get(self.code, _DEFAULT)[1])
