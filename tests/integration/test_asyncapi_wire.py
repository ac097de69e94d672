"""/asyncapi.json against what the relay really publishes: every topic, key, header and schema.

The app runs as ``make run`` starts it with Kafka (relay and consumer inside). One scenario writes
each kind of event (create, update and delete of a class and a student; NLP's suggestions in; the
teacher's confirmation; the notifications they cause), then every message read back from Kafka is
validated against the document's envelope+payload schema, its headers and its documented key.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiokafka.structs import ConsumerRecord
from jsonschema import Draft202012Validator
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.conftest import Api
from tests.integration.conftest import KafkaTail, serving_app, wait_until
from tests.integration.consumer_helpers import consumer_settings, publish, suggestions_producer
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope

Json = dict[str, Any]


@pytest.fixture
async def relay_app(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str]
) -> AsyncIterator[Api]:
    async with serving_app(await consumer_settings(postgres_url, services_env), clean_pg) as api:
        yield api


def _validator(document: Json, pointer: str) -> Draft202012Validator:
    """A validator for the schema at ``pointer``, its ``$ref``s resolved inside the whole document."""
    return Draft202012Validator(
        {**document, "$ref": pointer}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _errors(validator: Draft202012Validator, instance: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def _at(data: Json, dotted: str) -> object:
    value: object = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


async def _write_every_kind_of_event(api: Api, kafka_bootstrap: str, receive: Draft202012Validator) -> None:
    school_class = await api.create_class()
    ada = await api.create_student(class_ids=[school_class["id"]], email="ada@example.com")
    bob = await api.create_student(person_name={"first_name": "Bob", "last_name": "Ross"})
    for path, body in (
        (f"/v1/classes/{school_class['id']}", {"name": "9B English"}),
        (f"/v1/classes/students/{bob['id']}", {"add_class_ids": [school_class["id"]]}),
    ):
        response = await api.client.put(path, json=body, headers=api.headers())
        assert response.status_code == 200, await response.get_data(as_text=True)
    await _import_and_move(api, school_class["id"])

    batch_id = f"batch-{uuid.uuid4().hex}"
    essays = [f"{batch_id}-1", f"{batch_id}-2"]
    results = [
        match_result(essays[0], candidate(ada["id"], 0.9)),
        match_result(essays[1], candidate(bob["id"], 0.4)),
    ]
    envelope = suggestions_envelope(batch_id, school_class["id"], results, course_code="ENG5")
    assert not _errors(receive, orjson.loads(encoded(envelope)))  # the consumed topic, as documented
    async with suggestions_producer(kafka_bootstrap) as producer:
        await publish(producer, encoded(envelope), batch_id)
    review = f"/v1/batches/{batch_id}/student-associations"

    async def reviewable() -> bool:
        return (await api.client.get(review, headers=api.headers())).status_code == 200

    await wait_until(reviewable, within_s=30, what="the batch stored")
    decisions = [
        {"essay_id": essays[0], "student_id": ada["id"], "confirmed": True},
        {"essay_id": essays[1], "confirmed": False},
    ]
    response = await api.client.post(
        f"{review}/confirm", json={"associations": decisions}, headers=api.headers()
    )
    assert response.status_code == 200, await response.get_data(as_text=True)
    for path in (f"/v1/classes/students/{bob['id']}", f"/v1/classes/{school_class['id']}"):
        response = await api.client.delete(path, headers=api.headers())
        assert response.status_code == 200, await response.get_data(as_text=True)


async def _import_and_move(api: Api, class_id: str) -> None:
    """A roster import (students created and a summary notification), then a class-side move."""
    other = await api.create_class()
    roster = "givenName,familyName,sourcedId\nGrace,Hopper,sis-1\n"
    headers = {**api.headers(), "Content-Type": "text/csv"}
    response = await api.client.post(
        "/v1/classes/students/import",
        data=roster.encode(),
        headers=headers,
        query_string={"class_ids": class_id},
    )
    assert response.status_code == 200, await response.get_data(as_text=True)
    grace = (await response.get_json())["results"][0]["student_id"]
    move = {"student_ids": [grace], "to_class_id": other["id"]}
    response = await api.client.post(
        f"/v1/classes/{class_id}/students/move", json=move, headers=api.headers()
    )
    assert response.status_code == 200, await response.get_data(as_text=True)


async def _outbox_event_ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT event_id::text FROM event_outbox"))).scalars())


async def test_every_published_message_matches_the_asyncapi_document(
    relay_app: Api, kafka_tail: KafkaTail, kafka_bootstrap: str
) -> None:
    api = relay_app
    document: Json = await (await api.client.get("/asyncapi.json")).get_json()
    channels = {c["address"]: (name, c) for name, c in document["channels"].items()}
    messages = {address: next(iter(c["messages"])) for address, (_, c) in channels.items()}
    sent_topics = {
        document["channels"][op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
        for op in document["operations"].values()
        if op["action"] == "send"
    }
    received = [op for op in document["operations"].values() if op["action"] == "receive"]
    (suggestions_name,) = [op["channel"]["$ref"].rsplit("/", 1)[-1] for op in received]
    suggestions_message = next(iter(document["channels"][suggestions_name]["messages"]))
    receive = _validator(document, f"#/components/messages/{suggestions_message}/payload")

    await _write_every_kind_of_event(api, kafka_bootstrap, receive)
    await kafka_tail.wait_for(await _outbox_event_ids(api.engine), within_s=60)

    problems: list[str] = []
    for record in kafka_tail.records:
        problems += _problems(document, messages[record.topic], record)
    print(f"asyncapi: {len(kafka_tail.records)} messages on {len(sent_topics)} topics validated")
    assert not problems, "\n".join(problems)
    assert {record.topic for record in kafka_tail.records} == sent_topics  # every documented topic, no other


def _problems(document: Json, message_name: str, record: ConsumerRecord[bytes, bytes]) -> list[str]:
    message = document["components"]["messages"][message_name]
    value = orjson.loads(record.value)
    where = f"{record.topic} {value.get('event_type')}"
    problems = [
        f"{where} value {e}"
        for e in _errors(_validator(document, f"#/components/messages/{message_name}/payload"), value)
    ]
    headers = {name: raw.decode() for name, raw in record.headers}
    problems += [f"{where} headers {e}" for e in _errors(Draft202012Validator(message["headers"]), headers)]
    key = record.key.decode() if record.key is not None else None
    key_fields = message["x-key-fields"]
    if key is None or key not in {_at(value["data"], field) for field in key_fields}:
        problems.append(f"{where} key {key!r} is none of data's {key_fields}")
    return problems
