"""Composition root: the only module that names implementations and binds them to ports."""

from __future__ import annotations

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.implementations.health_probes import (
    AlwaysHealthyProbe,
    SqlAlchemyDatabaseProbe,
)
from class_management_service.implementations.in_memory_repositories import (
    InMemoryClassRepository,
    InMemoryOutboxStats,
    InMemoryStore,
    InMemoryStudentRepository,
)
from class_management_service.implementations.prometheus_metrics import PrometheusMetrics
from class_management_service.implementations.sql_class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sql_outbox import SqlAlchemyOutboxStats
from class_management_service.implementations.sql_student_repository import (
    SqlAlchemyStudentRepository,
)
from class_management_service.implementations.system_clock import SystemClock
from class_management_service.protocols import (
    ClassRepositoryProtocol,
    ClockProtocol,
    HealthProbeProtocol,
    MetricsRecorderProtocol,
    ObservabilityProtocol,
    OutboxStatsProtocol,
    StudentRepositoryProtocol,
)
from class_management_service.services.class_service import ClassService
from class_management_service.services.health_service import HealthService
from class_management_service.services.student_service import StudentService


class InfrastructureProvider(Provider):
    """APP scope: settings, the one engine, clock and metrics, created once per process."""

    scope = Scope.APP
    settings = from_context(provides=Settings)
    engine = from_context(provides=AsyncEngine)
    clock = provide(SystemClock, provides=ClockProtocol)

    metrics = from_context(provides=PrometheusMetrics)

    @provide
    def metrics_recorder(self, metrics: PrometheusMetrics) -> MetricsRecorderProtocol:
        return metrics

    @provide
    def observability(self, metrics: PrometheusMetrics) -> ObservabilityProtocol:
        return metrics


class SqlRepositoryProvider(Provider):
    """Repositories on the SQL database.

    APP scope on purpose: each repository only holds a session factory and opens a session
    per call (repository-managed sessions), so building them per request would be pure cost.
    """

    scope = Scope.APP
    classes = provide(SqlAlchemyClassRepository, provides=ClassRepositoryProtocol)
    students = provide(SqlAlchemyStudentRepository, provides=StudentRepositoryProtocol)
    outbox_stats = provide(SqlAlchemyOutboxStats, provides=OutboxStatsProtocol)

    @provide
    def database_probe(self, engine: AsyncEngine) -> HealthProbeProtocol:
        return SqlAlchemyDatabaseProbe(engine)


class InMemoryRepositoryProvider(Provider):
    """USE_MOCK_REPOSITORY: in-memory repositories enforcing the same rules (contract-tested)."""

    scope = Scope.APP
    store = provide(InMemoryStore)
    classes = provide(InMemoryClassRepository, provides=ClassRepositoryProtocol)
    students = provide(InMemoryStudentRepository, provides=StudentRepositoryProtocol)
    outbox_stats = provide(InMemoryOutboxStats, provides=OutboxStatsProtocol)
    database_probe = provide(AlwaysHealthyProbe, provides=HealthProbeProtocol)


class ServiceProvider(Provider):
    """Use-case services; stateless, so APP scope too."""

    scope = Scope.APP

    @provide
    def class_service(
        self, classes: ClassRepositoryProtocol, clock: ClockProtocol, metrics: MetricsRecorderProtocol
    ) -> ClassService:
        return ClassService(classes, clock, metrics)

    @provide
    def student_service(
        self, students: StudentRepositoryProtocol, clock: ClockProtocol, metrics: MetricsRecorderProtocol
    ) -> StudentService:
        return StudentService(students, clock, metrics)

    @provide
    def health_service(self, database: HealthProbeProtocol, outbox: OutboxStatsProtocol) -> HealthService:
        return HealthService(database, [], outbox)


def providers_for(settings: Settings) -> list[Provider]:
    repositories = InMemoryRepositoryProvider() if settings.use_mock_repository else SqlRepositoryProvider()
    return [InfrastructureProvider(), repositories, ServiceProvider()]
