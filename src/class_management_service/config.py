"""Settings from the environment (prefix ``CLASS_MANAGEMENT_SERVICE_``); built in the app factory."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/class_management.db"
_ORIGIN = re.compile(r"https?://[^/\s?#]+")


def _split_origins(value: str) -> tuple[str, ...]:
    return tuple(origin for part in value.split(",") if (origin := part.strip()))


class Settings(BaseSettings):
    """Every knob the service reads; the defaults run the embedded mode with nothing installed."""

    model_config = SettingsConfigDict(env_prefix="CLASS_MANAGEMENT_SERVICE_", env_file=".env", extra="ignore")

    service_name: str = "class_management_service"
    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=5002, ge=1, le=65535)

    database_url: str = DEFAULT_DATABASE_URL
    # One worker keeps 30 connections open and queues beyond that: overflow connections are
    # closed on return, and reconnecting (TLS probe, authentication) under load cost more CPU
    # than waiting for a pooled one.
    database_pool_size: int = Field(default=30, ge=1)
    database_max_overflow: int = Field(default=0, ge=0)
    database_pool_timeout_s: float = Field(default=5.0, gt=0)

    kafka_bootstrap_servers: str = ""
    kafka_client_id: str = "class_management_service"
    kafka_topic_partitions: int = Field(default=3, ge=1)
    # How long an unacknowledged message waits before it counts as failed and is retried later.
    kafka_request_timeout_ms: int = Field(default=15_000, ge=1_000)
    redis_url: str = ""

    relay_enabled: bool = True
    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_interval_s: float = Field(default=1.0, gt=0)
    # After a commit wakes the relay it waits this long so one claim carries the commits that
    # land meanwhile: a claim and a mark per commit would cost more than the writes themselves.
    relay_batch_window_s: float = Field(default=0.02, ge=0)
    # An API process sends at most one outbox NOTIFY per interval; the commits in between ride
    # on the next one. Each NOTIFY is a transaction of its own (a WAL flush) and a relay wake-up.
    outbox_doorbell_interval_s: float = Field(default=0.02, gt=0)
    relay_max_backoff_s: float = Field(default=30.0, gt=0)
    # First wait after a failed row or broker failure; doubles (with jitter) up to the maximum.
    relay_initial_backoff_s: float = Field(default=0.5, gt=0)
    # On shutdown the relay keeps publishing what is pending for at most this long.
    relay_drain_timeout_s: float = Field(default=10.0, ge=0)
    outbox_retention_hours: float = Field(default=24.0, ge=0)
    # /healthz turns degraded once the oldest unpublished outbox row is older than this.
    outbox_stall_after_s: float = Field(default=60.0, gt=0)
    # The `relay` process serves its own /healthz and /metrics here (on HOST).
    relay_metrics_port: int = Field(default=5102, ge=1, le=65535)

    # Essay→student matching: the suggestions consumer runs wherever the relay runs.
    consumer_enabled: bool = True
    kafka_consumer_group: str = "class_management_service-consumer-group"
    association_timeout_s: float = Field(default=86_400.0, gt=0)
    association_timeout_scan_s: float = Field(default=60.0, gt=0)
    association_auto_confirm_min_confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    # Internal lookups by many batch ids (the dashboard's class-info) take at most this many.
    internal_max_batch_ids: int = Field(default=100, ge=1)
    # For platforms whose gateway always sets X-User-ID on outside traffic: a roster request
    # without it can then only come from inside, and is served as an internal call (logged).
    roster_without_user_id_is_internal: bool = False

    # Browser origins allowed to call the API cross-origin, comma-separated ("https://app.example.org,
    # http://localhost:5173", or "*"). Empty: no CORS headers at all, as behind a gateway that owns CORS.
    cors_allowed_origins: str = ""

    use_mock_repository: bool = False
    internal_api_key: SecretStr = SecretStr("")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The roster import (POST /v1/classes/students/import) only: beyond either, a 413 naming it.
    import_max_rows: int = Field(default=100_000, ge=1)
    import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins_are_exact(cls, value: str) -> str:
        # A browser's Origin is scheme://host[:port], never with a path or a trailing slash: an
        # entry that has one would match nothing, so it is refused at start-up instead.
        for origin in _split_origins(value):
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return value

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return _split_origins(self.cors_allowed_origins)

    @property
    def is_kafka_configured(self) -> bool:
        return bool(self.kafka_bootstrap_servers.strip())
