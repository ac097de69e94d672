"""Creates the service's topics before the first publish, so none is auto-created with defaults."""

from __future__ import annotations

from collections.abc import Collection

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code

from class_management_service.config import Settings
from class_management_service.domain.events import ALL_TOPICS

TOPIC_ALREADY_EXISTS = 36
MAX_REPLICATION_FACTOR = 3
ADMIN_TIMEOUT_MS = 10_000


async def ensure_topics(settings: Settings, topics: Collection[str] = ALL_TOPICS) -> list[str]:
    """Create whichever of ``topics`` (the service's own by default) is missing; return their names."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.kafka_client_id}-admin",
        request_timeout_ms=ADMIN_TIMEOUT_MS,
    )
    await admin.start()
    try:
        missing = sorted(set(topics) - set(await admin.list_topics()))
        if missing:
            await _create(admin, missing, settings.kafka_topic_partitions)
    finally:
        await admin.close()
    return missing


async def _create(admin: AIOKafkaAdminClient, topics: list[str], partitions: int) -> None:
    brokers = (await admin.describe_cluster())["brokers"]
    # Three copies where the cluster has them; a single local broker can only hold one.
    replicas = max(1, min(MAX_REPLICATION_FACTOR, len(brokers)))
    response = await admin.create_topics([NewTopic(topic, partitions, replicas) for topic in topics])
    for topic, code, message in response.topic_errors:
        # Another replica creating the same topic at the same time is fine.
        if code not in (0, TOPIC_ALREADY_EXISTS):
            raise for_code(code)(f"creating {topic}: {message}")
