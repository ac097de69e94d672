"""Conditional writes: ``If-Match`` decoded to the versions (``updated_at``) a write may replace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from class_management_service.domain.errors import PreconditionFailedError


@dataclass(frozen=True)
class IfMatch:
    """The versions a PUT or DELETE accepts; repositories check it under the write's row lock.

    Empty when no tag the client sent names a version (a weak or foreign tag): nothing matches.
    """

    versions: frozenset[datetime]

    def require(self, resource_id: UUID, current: datetime) -> None:
        if current not in self.versions:
            raise PreconditionFailedError(resource_id)
