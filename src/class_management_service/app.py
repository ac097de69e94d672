"""The HuleEdu application: a Quart subclass with a guaranteed DI container and database engine."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from dishka import AsyncContainer, Provider, make_async_container
from prometheus_client import CollectorRegistry
from quart import Quart
from quart_dishka import QuartDishka
from quart_schema import Info, QuartSchema
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.api.asgi_connection import WholeBodyHTTPConnection
from class_management_service.api.batch_routes import batch_bp
from class_management_service.api.class_routes import class_bp
from class_management_service.api.cors import install_cors
from class_management_service.api.docs_routes import SWAGGER_CSS_URL, SWAGGER_JS_URL, docs_bp
from class_management_service.api.error_handlers import register_error_handlers
from class_management_service.api.health_routes import health_bp
from class_management_service.api.internal_routes import internal_bp
from class_management_service.api.json_provider import OrjsonProvider
from class_management_service.api.openapi import ClassManagementOpenAPIProvider
from class_management_service.api.request_class import MatchedRouteRequest
from class_management_service.api.request_hooks import install_request_hooks
from class_management_service.api.roster_routes import roster_bp
from class_management_service.api.slash_routing import SlashAgnosticMap
from class_management_service.api.student_routes import student_bp
from class_management_service.api.url_converters import ClassIdConverter
from class_management_service.config import Settings
from class_management_service.consumer.suggestions_consumer import SuggestionsConsumer
from class_management_service.consumer.timeout_monitor import TimeoutMonitor
from class_management_service.di import create_engine, providers_for
from class_management_service.implementations.observability.prometheus_metrics import PrometheusMetrics
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.logging_config import configure_logging
from class_management_service.relay.outbox_relay import OutboxRelay
from class_management_service.startup_objects import freeze_startup_objects, thaw_startup_objects


class HuleEduApp(Quart):
    """Quart whose ``container`` and ``database_engine`` are always set once ``create_app`` returns."""

    asgi_http_class = WholeBodyHTTPConnection
    request_class = MatchedRouteRequest
    url_map_class = SlashAgnosticMap
    _container: AsyncContainer | None = None
    _database_engine: AsyncEngine | None = None

    @property
    def container(self) -> AsyncContainer:
        if self._container is None:
            raise RuntimeError("HuleEduApp.container is not set: build the app with create_app()")
        return self._container

    @container.setter
    def container(self, value: AsyncContainer) -> None:
        self._container = value

    @property
    def database_engine(self) -> AsyncEngine:
        if self._database_engine is None:
            raise RuntimeError("HuleEduApp.database_engine is not set: build the app with create_app()")
        return self._database_engine

    @database_engine.setter
    def database_engine(self, value: AsyncEngine) -> None:
        self._database_engine = value


def _service_version() -> str:
    try:
        return version("class-management-service")
    except PackageNotFoundError:
        return "0.0.0"


def _configure(app: HuleEduApp, settings: Settings) -> None:
    app.config.update(
        SERVICE_NAME=settings.service_name,
        SERVICE_VERSION=_service_version(),
        ENVIRONMENT=settings.environment,
        INTERNAL_API_KEY=settings.internal_api_key.get_secret_value(),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        INTERNAL_MAX_BATCH_IDS=settings.internal_max_batch_ids,
        ROSTER_WITHOUT_USER_ID_IS_INTERNAL=settings.roster_without_user_id_is_internal,
        # /docs loads Swagger UI from this service, not a CDN: it works offline and behind firewalls.
        QUART_SCHEMA_SWAGGER_JS_URL=SWAGGER_JS_URL,
        QUART_SCHEMA_SWAGGER_CSS_URL=SWAGGER_CSS_URL,
    )
    QuartSchema(
        app,
        info=Info(title="Class Management Service", version=app.config["SERVICE_VERSION"]),
        openapi_provider_class=ClassManagementOpenAPIProvider,
        redoc_ui_path=None,
        scalar_ui_path=None,
    )
    app.json = OrjsonProvider(app)  # after QuartSchema, which installs its own provider
    # QuartSchema wraps make_response to turn returned models and dataclasses into JSON. Every
    # route here returns a finished Response (presenters.json_reply) or a dict, which Quart's own
    # make_response handles, so the wrapper's per-request conversion attempts are pure cost.
    del app.make_response  # the instance attribute QuartSchema set: Quart's method again


def relay_runs_in_app(settings: Settings) -> bool:
    """The relay needs Kafka and the SQL outbox; without Kafka, events wait in the outbox."""
    return settings.relay_enabled and settings.is_kafka_configured and not settings.use_mock_repository


def consumer_runs_in_app(settings: Settings) -> bool:
    """The suggestions consumer and the timeout monitor run wherever the relay runs, unless disabled."""
    return relay_runs_in_app(settings) and settings.consumer_enabled


def _metrics_for(settings: Settings) -> tuple[PrometheusMetrics, PrometheusRelayMetrics]:
    """The relay's series join the exposed registry only where the relay runs in this process;
    otherwise they go to a registry nobody scrapes (the relay process exposes its own)."""
    registry = CollectorRegistry()
    if relay_runs_in_app(settings):
        relay_metrics = PrometheusRelayMetrics(registry)
        return PrometheusMetrics(registry, relay_metrics), relay_metrics
    return PrometheusMetrics(registry), PrometheusRelayMetrics()


def create_app(settings: Settings | None = None, *override_providers: Provider) -> HuleEduApp:
    """Build the app; no connection is opened until the first request or serving starts."""
    settings = settings or Settings()
    configure_logging(settings)
    app = HuleEduApp(__name__)
    _configure(app, settings)
    engine = create_engine(settings)
    metrics, relay_metrics = _metrics_for(settings)
    metrics.track_database_pool(engine)
    container = make_async_container(
        *providers_for(settings),
        *override_providers,
        context={
            Settings: settings,
            AsyncEngine: engine,
            PrometheusMetrics: metrics,
            PrometheusRelayMetrics: relay_metrics,
        },
    )
    app.container = container
    app.database_engine = engine

    @app.before_serving
    async def _start_relay() -> None:
        if relay_runs_in_app(settings):
            # Builds the publisher without connecting: Kafka down at start-up is retried, not fatal.
            (await container.get(OutboxRelay)).start()
        if consumer_runs_in_app(settings):
            (await container.get(SuggestionsConsumer)).start()
            (await container.get(TimeoutMonitor)).start()

    @app.before_serving
    async def _freeze_startup_objects() -> None:
        freeze_startup_objects()  # after the relay's hook: its objects are frozen too

    @app.after_serving
    async def _stop() -> None:
        # quart-dishka closes request scopes only; the APP container and the engine are ours.
        # Closing the container first stops the consumer and the timeout monitor (built after the
        # relay, so closed before it), then drains the relay, then closes Kafka and Redis.
        await container.close()
        await engine.dispose()
        thaw_startup_objects()

    install_request_hooks(app, metrics)
    if settings.cors_origins:
        install_cors(app, settings.cors_origins)
    app.url_map.converters["class_id"] = ClassIdConverter
    for blueprint in (health_bp, docs_bp, class_bp, roster_bp, student_bp, batch_bp, internal_bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    QuartDishka(app=app, container=container)
    return app
