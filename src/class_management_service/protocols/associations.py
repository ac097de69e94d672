"""The essay→student association repository's port: NLP's suggestions, decisions, the timeout."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from class_management_service.domain.association_decisions import (
    CompletedBatch,
    DecisionOutcome,
    DecisionRequest,
    IngestOutcome,
    TimeoutPolicy,
)
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import AssociationBatch, BatchReview, EssayAssociation
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.protocols.repositories import EventsFor


class AssociationRepositoryProtocol(Protocol):
    """Essay→student associations: NLP's suggestions, decisions, and the batches they form.

    Every write runs in one transaction with its outbox events; ``events`` is called inside it.
    """

    async def ingest(self, batch: SuggestedBatch, events: EventsFor[IngestOutcome]) -> IngestOutcome:
        """Store a suggestions event exactly once (its ``event_id`` goes to the inbox table).

        Candidates not in the class are dropped and counted; a class that does not exist stores
        nothing (``is_class_found=False``) but still records the event id. Essays already in
        the batch are replaced only while pending; a completed batch is left as it is.
        """

    async def review(self, owner: str | None, batch_id: str) -> BatchReview:
        """The batch with every essay; ``owner=None`` is a trusted internal caller.

        BatchNotFoundError for an unknown batch or another teacher's.
        """

    async def reviews(self, batch_ids: Sequence[str]) -> Mapping[str, BatchReview]:
        """Internal: the batches that exist among ``batch_ids``, with their essays."""

    async def batches(self, batch_ids: Sequence[str]) -> Mapping[str, AssociationBatch]:
        """Internal: the batches that exist among ``batch_ids``, without essays (one cheap query)."""

    async def essay(self, essay_id: str) -> EssayAssociation:
        """Internal: one essay's association, with the decided student's names; EssayNotFoundError."""

    async def decide(
        self,
        request: DecisionRequest,
        events: EventsFor[DecisionOutcome],
        *,
        key: IdempotentWrite[DecisionOutcome] | None = None,
    ) -> DecisionOutcome:
        """Apply a teacher's decisions under the batch's row lock (see ``domain.matching``).

        Repeating a decision changes nothing; changing a decided essay is AssociationConflictError;
        an essay outside the batch is EssayNotFoundError; a student outside the class is
        StudentNotInClassError. Nothing is written when any decision is refused. ``key``, when
        given, is completed with the response in the same transaction.
        """

    async def decide_expired(
        self, now: datetime, policy: TimeoutPolicy, events: EventsFor[CompletedBatch]
    ) -> Sequence[CompletedBatch]:
        """Decide up to ``policy.batch_limit`` open batches whose deadline passed, one transaction each.

        Essays without a confident candidate go to the class's placeholder student, created once
        and enrolled in the class, again if the teacher took it out: its essays stay on the roster."""
