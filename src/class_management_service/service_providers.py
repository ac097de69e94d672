"""The use-case services' provider, the same on every backend."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from class_management_service.config import Settings
from class_management_service.implementations.observability.health_probes import (
    KafkaMetadataProbe,
    RedisPingProbe,
)
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    ClassRepositoryProtocol,
    ClassRosterRepositoryProtocol,
    ClockProtocol,
    HealthProbeProtocol,
    IdempotencyStoreProtocol,
    MetricsRecorderProtocol,
    OutboxStatsProtocol,
    RelayStateProtocol,
    RosterImportRepositoryProtocol,
    StudentRepositoryProtocol,
)
from class_management_service.services.association_service import AssociationService
from class_management_service.services.class_service import ClassService
from class_management_service.services.health_service import HealthService
from class_management_service.services.idempotency_service import IdempotencyService
from class_management_service.services.relay_health_service import RelayHealthService
from class_management_service.services.roster_import_service import RosterImportService
from class_management_service.services.roster_service import ClassRosterService
from class_management_service.services.student_service import StudentService


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
        self,
        students: StudentRepositoryProtocol,
        classes: ClassRepositoryProtocol,
        clock: ClockProtocol,
        metrics: MetricsRecorderProtocol,
    ) -> StudentService:
        return StudentService(students, classes, clock, metrics)

    @provide
    def roster_service(
        self, roster: ClassRosterRepositoryProtocol, classes: ClassRepositoryProtocol, clock: ClockProtocol
    ) -> ClassRosterService:
        return ClassRosterService(roster, classes, clock)

    @provide
    def roster_import_service(
        self, imports: RosterImportRepositoryProtocol, clock: ClockProtocol, metrics: MetricsRecorderProtocol
    ) -> RosterImportService:
        return RosterImportService(imports, clock, metrics)

    @provide
    def association_service(
        self, associations: AssociationRepositoryProtocol, clock: ClockProtocol
    ) -> AssociationService:
        return AssociationService(associations, clock)

    @provide
    def idempotency_service(
        self, store: IdempotencyStoreProtocol, clock: ClockProtocol
    ) -> IdempotencyService:
        return IdempotencyService(store, clock)

    @provide
    def health_service(
        self,
        database: HealthProbeProtocol,
        kafka: KafkaMetadataProbe,
        redis: RedisPingProbe,
        outbox: OutboxStatsProtocol,
        settings: Settings,
    ) -> HealthService:
        return HealthService(database, [kafka, redis], outbox, settings.outbox_stall_after_s)

    @provide
    def relay_health_service(
        self, state: RelayStateProtocol, outbox: OutboxStatsProtocol, settings: Settings
    ) -> RelayHealthService:
        return RelayHealthService(state, outbox, settings.outbox_stall_after_s)
