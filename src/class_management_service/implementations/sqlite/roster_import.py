"""Roster imports in SQLite: the named students read, the plan decided and written in one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.roster_import import ImportCommand, ImportPlan, plan_import
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sqlite import memberships as members
from class_management_service.implementations.sqlite import roster_import_statements as sql
from class_management_service.implementations.sqlite.engine import write_sessions
from class_management_service.implementations.sqlite.idempotency_store import complete_key
from class_management_service.implementations.sqlite.outbox_writer import add_many_outbox_events
from class_management_service.protocols import EventsFor, RosterImportRepositoryProtocol


class SqlAlchemyRosterImportRepository(RosterImportRepositoryProtocol):
    """Plans under SQLite's write lock, then writes the plan with a few bulk statements."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)

    async def import_students(
        self,
        command: ImportCommand,
        events: EventsFor[ImportPlan],
        *,
        key: IdempotentWrite[ImportPlan] | None = None,
    ) -> ImportPlan:
        owner = command.owner
        # The write transaction (BEGIN IMMEDIATE) serialises every writer of the database, this
        # teacher's single-student writes and imports included: the students read here stay
        # current until the commit, so no email or external id can be taken meanwhile and the
        # plan never meets a unique violation that would call for planning again.
        async with translate_database_errors(), self._sessions.begin() as session:
            await members.require_owned_classes(session, owner, command.upload.class_ids)
            existing = await sql.named_students(session, owner, *command.lookup_keys())
            plan = plan_import(command, existing)
            if plan.is_rejected:
                return plan
            if plan.writes:
                await sql.insert_students(session, plan.created)
                await sql.update_students(session, plan.updated)
                await sql.insert_memberships(session, plan.memberships)
                await add_many_outbox_events(session, events(plan))
            await complete_key(session, key, plan)
        return plan
