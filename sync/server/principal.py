"""Who is asking: a user's role and regions, and what that lets them read and write.

Roles (issue 4): administrator (everything, every region), reviewer (secretariat, STC:
review fields, in their regions), correspondent and facilitator (write records in their
regions), viewer (read only). A region list containing "*" means every region.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fieldapp.core.fieldspec import Entity
from sync.server.tables import GLOBAL_SCOPE

ROLES = ("administrator", "reviewer", "correspondent", "facilitator", "viewer")
WRITERS = frozenset({"administrator", "reviewer", "correspondent", "facilitator"})
REVIEWERS = frozenset({"administrator", "reviewer"})
ALL_REGIONS = "*"


@dataclass(frozen=True)
class Principal:
    id: int
    name: str
    role: str
    regions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def all_regions(self) -> bool:
        return self.role == "administrator" or ALL_REGIONS in self.regions

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS

    @property
    def can_review(self) -> bool:
        return self.role in REVIEWERS

    @property
    def is_admin(self) -> bool:
        return self.role == "administrator"

    def reads(self, scope: str) -> bool:
        """May this user see a row whose scope region is `scope`?"""
        return scope == GLOBAL_SCOPE or self.all_regions or scope in self.regions

    def writes_scope(self, scope: str) -> bool:
        """May this user write a row in `scope`? Global rows are for administrators."""
        if not self.can_write:
            return False
        if scope == GLOBAL_SCOPE:
            return self.is_admin
        return self.all_regions or scope in self.regions

    def writes_entity(self, e: Entity) -> bool:
        return self.can_write and (not e.admin_only or self.is_admin)
