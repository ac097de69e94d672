"""The API and the outbox: /healthz degrades when nobody publishes; /metrics shows only its own series."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.api.conftest import Api

RELAY_SERIES = {
    "cms_outbox_published",  # the counter family behind cms_outbox_published_total
    "cms_outbox_publish_failures",
    "cms_outbox_commit_to_ack_seconds",
    "cms_relay_batch_duration_seconds",
    "cms_redis_notification_failures",
    "cms_outbox_pending",
    "cms_outbox_oldest_pending_age_seconds",
    "cms_relay_leader",
}


async def _backdate_outbox(api: Api, seconds: int) -> None:
    async with api.engine.begin() as connection:
        await connection.execute(
            text("UPDATE event_outbox SET occurred_at = now() - make_interval(secs => :s)"), {"s": seconds}
        )


async def test_api_without_a_relay_exposes_request_series_and_none_of_the_relays(api: Api) -> None:
    await api.create_class()

    exposition = await (await api.client.get("/metrics")).get_data(as_text=True)

    families = {family.name for family in text_string_to_metric_families(exposition)}
    assert "cms_http_requests" in families
    assert "cms_classes_created" in families
    assert families.isdisjoint(RELAY_SERIES), families & RELAY_SERIES


async def test_healthz_is_degraded_200_with_the_reason_when_the_oldest_pending_event_is_past_the_limit(
    api: Api,
) -> None:
    await api.create_class()
    await _backdate_outbox(api, seconds=600)  # default OUTBOX_STALL_AFTER_S is 60

    response = await api.client.get("/healthz")

    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "degraded"
    assert body["detail"].startswith("outbox stalled")
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["outbox"]["pending"] == 2  # the class's event and its teacher notification
    assert body["checks"]["outbox"]["oldest_pending_age_s"] >= 600
    assert set(body) == {"service", "status", "version", "environment", "checks", "detail"}


async def test_healthz_stays_healthy_with_no_detail_while_pending_events_are_young(api: Api) -> None:
    await api.create_class()
    await _backdate_outbox(api, seconds=30)

    body = await api.get_json("/healthz")

    assert body["status"] == "healthy"
    assert body["detail"] is None
    assert body["checks"]["outbox"]["pending"] == 2
