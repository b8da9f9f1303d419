"""Attendance figures of a meeting: by gender and by age group.

Gender equality and youth inclusion are guiding principles of the Initiative, so every
meeting reports how many women and young people it reached (DOMAIN.md). The capture
screen shows these live; the dashboard adds them up.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from fieldapp.core.schema import AGE_GROUPS, GENDERS


@dataclass(frozen=True)
class Attendance:
    total: int = 0
    by_gender: Mapping[str, int] = field(default_factory=dict)
    by_age: Mapping[str, int] = field(default_factory=dict)

    @property
    def women(self) -> int:
        return self.by_gender.get("female", 0)

    @property
    def men(self) -> int:
        return self.by_gender.get("male", 0)

    @property
    def youth(self) -> int:
        return self.by_age.get("youth", 0)

    def share(self, n: int) -> float:
        """n as a fraction of all participants (0 when nobody came)."""
        return n / self.total if self.total else 0.0


def attendance(participants: Iterable[Mapping]) -> Attendance:
    """Count live participant rows; a missing gender counts as undisclosed and a missing
    age group as adult, the schema's defaults."""
    genders: Counter[str] = Counter()
    ages: Counter[str] = Counter()
    total = 0
    for p in participants:
        if p.get("deleted"):
            continue
        total += 1
        genders[p.get("gender") or "undisclosed"] += 1
        ages[p.get("age_group") or "adult"] += 1
    return Attendance(
        total,
        {g: genders.get(g, 0) for g in GENDERS} | {k: v for k, v in genders.items() if k not in GENDERS},
        {a: ages.get(a, 0) for a in AGE_GROUPS} | {k: v for k, v in ages.items() if k not in AGE_GROUPS},
    )


def meeting_attendance(store, meeting_id: str) -> Attendance:
    """Attendance of one meeting, read from the store."""
    return attendance(store.children("meeting_participant", meeting_id))
