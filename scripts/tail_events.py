"""Print the service's Kafka events as they arrive: an aiokafka consumer to copy from.

    uv run python scripts/tail_events.py                       # every huleedu.* topic, new events
    uv run python scripts/tail_events.py --from-beginning --topic huleedu.class.student.updated.v1
    uv run python scripts/tail_events.py --group my-service    # commits offsets: resumes where it stopped

The broker comes from --bootstrap-server, else CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS, else
the .services.env that `make services-up` writes (its port differs per checkout; never assume 9092).
One line per event: topic, key, event_type, event_id, then the payload (``data``) as JSON.
Delivery is at least once, so a consumer keeps the first copy of each ``event_id`` (a set here,
a table with a unique event_id in a real service).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from aiokafka import AIOKafkaConsumer

BOOTSTRAP_VAR = "CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS"
DEFAULT_ENV_FILE = Path(__file__).resolve().parent.parent / ".services.env"
ALL_SERVICE_TOPICS = r"^huleedu\..*"


def bootstrap_servers(explicit: str | None, env_file: Path) -> str:
    """The flag, the environment, then the env file; exits with a hint when none names a broker."""
    if explicit:
        return explicit
    if os.environ.get(BOOTSTRAP_VAR, "").strip():
        return os.environ[BOOTSTRAP_VAR].strip()
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == BOOTSTRAP_VAR and value.strip():
                return value.strip()
    sys.exit(f"no Kafka broker: run `make services-up` (writes {env_file}) or pass --bootstrap-server")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--topic", action="append", help="a topic (repeatable); default: every huleedu.*")
    parser.add_argument("--from-beginning", action="store_true", help="start at the oldest kept event")
    parser.add_argument("--group", help="consumer group: commit offsets and resume from them next time")
    parser.add_argument("--bootstrap-server", help="host:port; overrides the environment and the env file")
    parser.add_argument("--env-file", type=Path, default=DEFAULT_ENV_FILE, help="default: %(default)s")
    parser.add_argument("--max-messages", type=int, help="stop after this many distinct events")
    parser.add_argument("--idle-timeout", type=float, help="stop after this many seconds without events")
    return parser.parse_args(argv)


def format_event(topic: str, key: bytes | None, value: bytes) -> tuple[str, str]:
    """(event_id, the line to print); a value that is not an envelope prints as it came."""
    try:
        envelope = json.loads(value)
        event_id, event_type, data = envelope["event_id"], envelope["event_type"], envelope["data"]
    except (ValueError, KeyError, TypeError):
        text = value.decode(errors="replace")
        return text, f"{topic} {key!r} (not an event envelope) {text}"
    key_text = key.decode(errors="replace") if key is not None else "-"
    return event_id, f"{topic} {key_text} {event_type} {event_id} {json.dumps(data, sort_keys=True)}"


async def tail(args: argparse.Namespace) -> int:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(args.bootstrap_server, args.env_file),
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if args.from_beginning else "latest",
        # new topics matching the pattern are picked up within this many milliseconds
        metadata_max_age_ms=5_000,
    )
    if args.topic:
        consumer.subscribe(topics=args.topic)
    else:
        consumer.subscribe(pattern=ALL_SERVICE_TOPICS)
    await consumer.start()
    seen: set[str] = set()
    try:
        while args.max_messages is None or len(seen) < args.max_messages:
            timeout_ms = int(args.idle_timeout * 1000) if args.idle_timeout else 1_000
            batches = await consumer.getmany(timeout_ms=timeout_ms, max_records=100)
            if not batches and args.idle_timeout:
                break
            for messages in batches.values():
                for message in messages:
                    event_id, line = format_event(message.topic, message.key, message.value)
                    if event_id not in seen and len(seen) != args.max_messages:
                        seen.add(event_id)
                        print(line, flush=True)
            if batches and args.group:
                await consumer.commit()
    finally:
        await consumer.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(tail(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
