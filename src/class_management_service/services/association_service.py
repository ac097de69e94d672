"""Use cases for essay→student associations: the teacher's review and decisions, and internal lookups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from class_management_service.domain import association_event_builders
from class_management_service.domain.association_decisions import Decision, DecisionOutcome, DecisionRequest
from class_management_service.domain.associations import AssociationBatch, BatchReview, EssayAssociation
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.models import Actor
from class_management_service.domain.validation_status import BatchValidationStatus, validation_status
from class_management_service.protocols import AssociationRepositoryProtocol, ClockProtocol

_T = TypeVar("_T")


class AssociationService:
    """Lets a teacher review and decide NLP's suggestions, and other services look the results up."""

    def __init__(self, associations: AssociationRepositoryProtocol, clock: ClockProtocol) -> None:
        self._associations = associations
        self._clock = clock

    async def review(self, actor: Actor, batch_id: str) -> BatchReview:
        """The teacher's batch; another teacher's is BatchNotFoundError."""
        return await self._associations.review(actor.user_id, batch_id)

    async def confirm(
        self,
        actor: Actor,
        batch_id: str,
        decisions: Sequence[Decision],
        *,
        key: IdempotentWrite[DecisionOutcome] | None = None,
    ) -> DecisionOutcome:
        """Decides essays as ``actor`` (the authenticated teacher, never a body field), now.

        The batch's confirmed event is written in the same transaction when this completes it.
        """
        request = DecisionRequest(
            owner=actor.user_id, batch_id=batch_id, decisions=tuple(decisions), at=self._clock.now()
        )
        return await self._associations.decide(request, association_event_builders.decision_events, key=key)

    async def batch_review(self, batch_id: str) -> BatchReview:
        """Internal: any teacher's batch."""
        return await self._associations.review(None, batch_id)

    async def essay(self, essay_id: str) -> EssayAssociation:
        """Internal: one essay's association, with the decided student's names."""
        return await self._associations.essay(essay_id)

    async def class_info(self, batch_ids: Sequence[str]) -> dict[str, AssociationBatch | None]:
        """Internal: each requested batch, or None when no suggestions were stored for it."""
        found = await self._associations.batches(batch_ids)
        return _each(batch_ids, found)

    async def validation_status(self, batch_ids: Sequence[str]) -> dict[str, BatchValidationStatus | None]:
        """Internal: each requested batch's progress, or None when it is unknown."""
        reviews = await self._associations.reviews(batch_ids)
        statuses = {batch_id: validation_status(review) for batch_id, review in reviews.items()}
        return _each(batch_ids, statuses)


def _each(batch_ids: Sequence[str], found: Mapping[str, _T]) -> dict[str, _T | None]:
    return {batch_id: found.get(batch_id) for batch_id in batch_ids}
