"""One Dishka provider per storage backend, each naming every implementation it brings.

All APP scope: a repository only holds the engine (and a course cache) and opens a connection
per call, so building one per request would be pure cost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.implementations.memory.association_repository import (
    InMemoryAssociationRepository,
)
from class_management_service.implementations.memory.class_repository import InMemoryClassRepository
from class_management_service.implementations.memory.dead_letters import InMemoryDeadLetterStore
from class_management_service.implementations.memory.idempotency_store import InMemoryIdempotencyStore
from class_management_service.implementations.memory.roster_import import InMemoryRosterImportRepository
from class_management_service.implementations.memory.roster_repository import InMemoryClassRosterRepository
from class_management_service.implementations.memory.store import InMemoryOutboxStats, InMemoryStore
from class_management_service.implementations.memory.student_repository import InMemoryStudentRepository
from class_management_service.implementations.observability.health_probes import (
    AlwaysHealthyProbe,
    SqlAlchemyDatabaseProbe,
)
from class_management_service.implementations.postgres.association_repository import (
    AsyncpgAssociationRepository,
    AsyncpgDeadLetterStore,
)
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.idempotency_store import AsyncpgIdempotencyStore
from class_management_service.implementations.postgres.leadership import (
    PostgresAdvisoryLeadership,
    asyncpg_dsn,
)
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.postgres.outbox_stats import AsyncpgOutboxStats
from class_management_service.implementations.postgres.relay_store import AsyncpgOutboxStore
from class_management_service.implementations.postgres.roster_import import AsyncpgRosterImportRepository
from class_management_service.implementations.postgres.roster_repository import AsyncpgClassRosterRepository
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from class_management_service.implementations.sqlite.association_repository import (
    SqlAlchemyAssociationRepository,
)
from class_management_service.implementations.sqlite.class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sqlite.dead_letter_store import SqlAlchemyDeadLetterStore
from class_management_service.implementations.sqlite.idempotency_store import SqlAlchemyIdempotencyStore
from class_management_service.implementations.sqlite.leadership import FileLockLeadership
from class_management_service.implementations.sqlite.outbox_writer import SqlAlchemyOutboxStats
from class_management_service.implementations.sqlite.relay_store import SqlAlchemyOutboxStore
from class_management_service.implementations.sqlite.roster_import import SqlAlchemyRosterImportRepository
from class_management_service.implementations.sqlite.roster_repository import SqlAlchemyClassRosterRepository
from class_management_service.implementations.sqlite.student_repository import SqlAlchemyStudentRepository
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    ClassRepositoryProtocol,
    ClassRosterRepositoryProtocol,
    DeadLetterStoreProtocol,
    HealthProbeProtocol,
    IdempotencyStoreProtocol,
    MonitorLeadershipProtocol,
    OutboxStatsProtocol,
    OutboxStoreProtocol,
    RelayLeadershipProtocol,
    RosterImportRepositoryProtocol,
    StudentRepositoryProtocol,
)


class PostgresProvider(Provider):
    """PostgreSQL: asyncpg statements on the pooled engine's driver connections, NOTIFY, advisory lock."""

    scope = Scope.APP
    outbox_stats = provide(AsyncpgOutboxStats, provides=OutboxStatsProtocol)
    outbox_store = provide(AsyncpgOutboxStore, provides=OutboxStoreProtocol)
    database_probe = provide(SqlAlchemyDatabaseProbe, provides=HealthProbeProtocol)
    dead_letters = provide(AsyncpgDeadLetterStore, provides=DeadLetterStoreProtocol)
    idempotency_keys = provide(AsyncpgIdempotencyStore, provides=IdempotencyStoreProtocol)

    @provide
    async def doorbell(self, engine: AsyncEngine, settings: Settings) -> AsyncIterator[OutboxDoorbell]:
        doorbell = OutboxDoorbell(engine, settings.outbox_doorbell_interval_s)
        yield doorbell
        await doorbell.close()

    @provide
    def classes(self, engine: AsyncEngine, doorbell: OutboxDoorbell) -> ClassRepositoryProtocol:
        return AsyncpgClassRepository(engine, doorbell)

    @provide
    def roster_imports(self, engine: AsyncEngine, doorbell: OutboxDoorbell) -> RosterImportRepositoryProtocol:
        return AsyncpgRosterImportRepository(engine, doorbell)

    @provide
    def students(self, engine: AsyncEngine, doorbell: OutboxDoorbell) -> StudentRepositoryProtocol:
        return AsyncpgStudentRepository(engine, doorbell)

    @provide
    def roster(self, engine: AsyncEngine, doorbell: OutboxDoorbell) -> ClassRosterRepositoryProtocol:
        return AsyncpgClassRosterRepository(engine, doorbell)

    @provide
    def associations(self, engine: AsyncEngine, doorbell: OutboxDoorbell) -> AssociationRepositoryProtocol:
        return AsyncpgAssociationRepository(engine, doorbell)

    @provide
    async def leadership(self, engine: AsyncEngine) -> AsyncIterator[RelayLeadershipProtocol]:
        leadership = PostgresAdvisoryLeadership(asyncpg_dsn(engine.url))
        yield leadership
        await leadership.release()

    @provide
    async def monitor_leadership(self, engine: AsyncEngine) -> AsyncIterator[MonitorLeadershipProtocol]:
        leadership = PostgresAdvisoryLeadership.for_timeout_monitor(asyncpg_dsn(engine.url))
        yield leadership
        await leadership.release()


class SqliteProvider(Provider):
    """Embedded SQLite: SQLAlchemy Core statements, a file lock for the relay, which only polls."""

    scope = Scope.APP
    classes = provide(SqlAlchemyClassRepository, provides=ClassRepositoryProtocol)
    students = provide(SqlAlchemyStudentRepository, provides=StudentRepositoryProtocol)
    roster = provide(SqlAlchemyClassRosterRepository, provides=ClassRosterRepositoryProtocol)
    roster_imports = provide(SqlAlchemyRosterImportRepository, provides=RosterImportRepositoryProtocol)
    associations = provide(SqlAlchemyAssociationRepository, provides=AssociationRepositoryProtocol)
    dead_letters = provide(SqlAlchemyDeadLetterStore, provides=DeadLetterStoreProtocol)
    idempotency_keys = provide(SqlAlchemyIdempotencyStore, provides=IdempotencyStoreProtocol)
    outbox_stats = provide(SqlAlchemyOutboxStats, provides=OutboxStatsProtocol)
    outbox_store = provide(SqlAlchemyOutboxStore, provides=OutboxStoreProtocol)
    database_probe = provide(SqlAlchemyDatabaseProbe, provides=HealthProbeProtocol)

    @provide
    async def leadership(self, settings: Settings) -> AsyncIterator[RelayLeadershipProtocol]:
        leadership = FileLockLeadership.for_database(settings.database_url)
        yield leadership
        await leadership.release()

    @provide
    async def monitor_leadership(self, settings: Settings) -> AsyncIterator[MonitorLeadershipProtocol]:
        leadership = FileLockLeadership.for_database(settings.database_url, role="timeout")
        yield leadership
        await leadership.release()


class MemoryProvider(Provider):
    """USE_MOCK_REPOSITORY: in-memory repositories enforcing the same rules; no outbox to relay."""

    scope = Scope.APP
    store = provide(InMemoryStore)
    classes = provide(InMemoryClassRepository, provides=ClassRepositoryProtocol)
    students = provide(InMemoryStudentRepository, provides=StudentRepositoryProtocol)
    roster = provide(InMemoryClassRosterRepository, provides=ClassRosterRepositoryProtocol)
    roster_imports = provide(InMemoryRosterImportRepository, provides=RosterImportRepositoryProtocol)
    associations = provide(InMemoryAssociationRepository, provides=AssociationRepositoryProtocol)
    dead_letters = provide(InMemoryDeadLetterStore, provides=DeadLetterStoreProtocol)
    idempotency_keys = provide(InMemoryIdempotencyStore, provides=IdempotencyStoreProtocol)
    outbox_stats = provide(InMemoryOutboxStats, provides=OutboxStatsProtocol)
    database_probe = provide(AlwaysHealthyProbe, provides=HealthProbeProtocol)
