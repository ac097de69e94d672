"""A steady write load: one thread per teacher, each cycling a class and a student through their lives.

stdlib ``http.client`` in threads: the suite needs a paced, blocking client that records every
status (and connection failures) per request, and the venv has no sync HTTP client to reuse.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from faults.verdict import Write

COURSE = "ENG5"
_TIMEOUT_S = 10.0


class Teacher(threading.Thread):
    """Writes as one X-User-ID at ``rate`` writes per second until stopped."""

    def __init__(self, port: int, user_id: str, rate: float, window: Callable[[], str]) -> None:
        super().__init__(name=f"load-{user_id}", daemon=True)
        self.port, self.user_id, self.window = port, user_id, window
        self.interval = 1.0 / rate
        self.writes: list[Write] = []
        self.acks: list[tuple[float, float]] = []  # (started, answered) of every 2xx, monotonic
        self.stopping = threading.Event()
        self._connection: http.client.HTTPConnection | None = None
        self._sequence = 0
        self._next_at = time.monotonic()

    def run(self) -> None:
        cycle = 0
        while not self.stopping.is_set():
            cycle += 1
            self._cycle(cycle)
        if self._connection is not None:
            self._connection.close()

    def _cycle(self, cycle: int) -> None:
        tag = f"{self.user_id}-{cycle}"
        class_id = self._write("POST", "/v1/classes/", "", {"name": f"c{tag}", "course_codes": [COURSE]})
        if class_id is None:
            return
        self._write("PUT", f"/v1/classes/{class_id}", class_id, {"name": f"c{tag}-renamed"})
        person = {"first_name": "Ada", "last_name": f"L{cycle}"}
        student_id = self._write(
            "POST", "/v1/classes/students", "", {"person_name": person, "class_ids": [class_id]}
        )
        if student_id is not None:
            person = {"first_name": "Ada", "last_name": f"M{cycle}"}
            self._write("PUT", f"/v1/classes/students/{student_id}", student_id, {"person_name": person})
            self._write("DELETE", f"/v1/classes/students/{student_id}", student_id, None)
        self._write("PUT", f"/v1/classes/{class_id}", class_id, {"name": f"c{tag}-final"})
        self._write("DELETE", f"/v1/classes/{class_id}", class_id, None)

    def _write(self, method: str, path: str, entity_id: str, body: dict[str, Any] | None) -> str | None:
        """Send one paced write and record it; the created entity's id for a 201, else None."""
        self._pace()
        window, correlation_id, started = self.window(), str(uuid.uuid4()), time.monotonic()
        status, retry_after, reply = self._send(method, path, body, correlation_id)
        if 200 <= status < 300:
            self.acks.append((started, time.monotonic()))
        created = reply.get("id") if status == 201 and isinstance(reply, dict) else None
        self._sequence += 1
        self.writes.append(
            Write(window, str(created or entity_id), correlation_id, status, self._sequence, retry_after)
        )
        return str(created) if created else None

    def _pace(self) -> None:
        self._next_at += self.interval
        delay = self._next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            self._next_at = time.monotonic()  # behind (an outage): no burst to catch up

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None, correlation_id: str
    ) -> tuple[int, bool, Any]:
        headers = {"X-User-ID": self.user_id, "X-Correlation-ID": correlation_id}
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body), "application/json"
        try:
            if self._connection is None:
                self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=_TIMEOUT_S)
            self._connection.request(method, path, payload, headers)
            response = self._connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            if self._connection is not None:
                self._connection.close()
            self._connection = None
            time.sleep(0.1)  # the server is down or restarting: no tight reconnect loop
            return 0, False, None
        if response.getheader("Connection", "").lower() == "close":
            self._connection.close()
            self._connection = None
        try:
            reply = json.loads(data) if data else None
        except ValueError:
            reply = None
        return response.status, response.getheader("Retry-After") is not None, reply


class Load:
    """``teachers`` threads writing as distinct X-User-IDs."""

    def __init__(self, port: int, run_id: str, teachers: int, rate: float, window: Callable[[], str]) -> None:
        self.threads = [Teacher(port, f"faults-{run_id}-t{n}", rate, window) for n in range(teachers)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> list[Write]:
        for thread in self.threads:
            thread.stopping.set()
        for thread in self.threads:
            thread.join(timeout=_TIMEOUT_S + 5)
        return [write for thread in self.threads for write in thread.writes]

    def first_ack_after(self, since: float) -> float | None:
        """When the first 2xx came for a write sent at or after ``since`` (monotonic), if one has."""
        answered = [
            done for thread in self.threads for started, done in thread.acks[-200:] if started >= since
        ]
        return min(answered, default=None)
