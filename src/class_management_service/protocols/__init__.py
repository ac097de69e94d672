"""Ports: what services need from the outside world, typed with domain objects only.

A facade: each port family has its own module; services, implementations and tests import
every port from here, the one module that names them all.
"""

from __future__ import annotations

# The relay's records, re-exported: the ports speak them, and so do their users.
from class_management_service.domain.outbox_records import (
    BrokerState,
    OutboxRecord,
    PublishFailure,
    RowFailure,
)
from class_management_service.protocols.associations import AssociationRepositoryProtocol
from class_management_service.protocols.consumer import (
    ConsumerStateProtocol,
    DeadLetterStoreProtocol,
    MessageSourceProtocol,
)
from class_management_service.protocols.leadership import (
    LeadershipProtocol,
    MonitorLeadershipProtocol,
    RelayLeadershipProtocol,
)
from class_management_service.protocols.observability import (
    ConsumerMetricsProtocol,
    HealthProbeProtocol,
    MetricsRecorderProtocol,
    ObservabilityProtocol,
    RelayMetricsProtocol,
    RelayObservabilityProtocol,
)
from class_management_service.protocols.outbox import (
    EventPublisherProtocol,
    NotificationPublisherProtocol,
    OutboxStatsProtocol,
    OutboxStoreProtocol,
    RelayStateProtocol,
)
from class_management_service.protocols.repositories import (
    ClassRepositoryProtocol,
    EventsFor,
    IdempotencyStoreProtocol,
    StudentRepositoryProtocol,
)
from class_management_service.protocols.roster import ClassRosterRepositoryProtocol
from class_management_service.protocols.roster_import import RosterImportRepositoryProtocol
from class_management_service.protocols.runtime import ClockProtocol, IdFactory

__all__ = [
    "AssociationRepositoryProtocol",
    "BrokerState",
    "ClassRepositoryProtocol",
    "ClassRosterRepositoryProtocol",
    "ClockProtocol",
    "ConsumerMetricsProtocol",
    "ConsumerStateProtocol",
    "DeadLetterStoreProtocol",
    "EventPublisherProtocol",
    "EventsFor",
    "HealthProbeProtocol",
    "IdFactory",
    "IdempotencyStoreProtocol",
    "LeadershipProtocol",
    "MessageSourceProtocol",
    "MetricsRecorderProtocol",
    "MonitorLeadershipProtocol",
    "NotificationPublisherProtocol",
    "ObservabilityProtocol",
    "OutboxRecord",
    "OutboxStatsProtocol",
    "OutboxStoreProtocol",
    "PublishFailure",
    "RelayLeadershipProtocol",
    "RelayMetricsProtocol",
    "RelayObservabilityProtocol",
    "RelayStateProtocol",
    "RosterImportRepositoryProtocol",
    "RowFailure",
    "StudentRepositoryProtocol",
]
