"""Concurrent HTTP writers on plain threads and stdlib ``http.client`` (no extra client library).

Each thread keeps one keep-alive connection, as a pooled client would, and records every
request with what came back: a status and body, or no response at all (refused, reset, timed
out), which is what a client sees while a server restarts or stops.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

NO_RESPONSE_PAUSE_S = 0.02


@dataclass(frozen=True)
class Reply:
    method: str
    path: str
    status: int | None  # None: no response
    body: Any = None
    error: str = ""

    @property
    def is_success(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Client:
    """One connection to ``port`` as one teacher; reconnects after a request that got no response."""

    port: int
    user: str
    timeout_s: float = 10.0
    replies: list[Reply] = field(default_factory=list)
    _connection: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, body: object = None) -> Reply:
        headers = {"X-User-ID": self.user, "Content-Type": "application/json"}
        payload = None if body is None else orjson.dumps(body)
        try:
            if self._connection is None:
                self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout_s)
            self._connection.request(method, path, payload, headers)
            response = self._connection.getresponse()
            data = response.read()
            reply = Reply(method, path, response.status, orjson.loads(data) if data else None)
        except (OSError, http.client.HTTPException) as error:
            self.close()
            reply = Reply(method, path, None, error=type(error).__name__)
        self.replies.append(reply)
        return reply

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


Script = Callable[[Client], None]


def create_student(client: Client) -> Reply:
    body = {
        "person_name": {"first_name": "Load", "last_name": uuid.uuid4().hex[:8]},
        "email": f"load.{uuid.uuid4().hex}@example.com",
    }
    return client.send("POST", "/v1/classes/students", body)


def rename_student(client: Client, student_id: str, last_name: str) -> Reply:
    body = {"person_name": {"first_name": "Load", "last_name": last_name}}
    return client.send("PUT", f"/v1/classes/students/{student_id}", body)


class Writers:
    """``len(ports) * per_port`` threads, each repeating ``script`` on its own connection until stopped."""

    def __init__(self, ports: list[int], per_port: int, script: Script) -> None:
        self.clients = [
            Client(port, f"teacher-{uuid.uuid4().hex[:12]}") for port in ports for _ in range(per_port)
        ]
        self._script = script
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(client,)) for client in self.clients]

    def start(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Reply]:
        """Stop after each thread's current request; every reply, in no particular order."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return self.replies()

    def replies(self) -> list[Reply]:
        return [reply for client in self.clients for reply in list(client.replies)]

    def _run(self, client: Client) -> None:
        try:
            while not self._stop.is_set():
                before = len(client.replies)
                self._script(client)
                if any(reply.status is None for reply in client.replies[before:]):
                    time.sleep(NO_RESPONSE_PAUSE_S)  # the server is away: do not spin
        finally:
            client.close()
