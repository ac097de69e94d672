"""The benchmark scenarios: one request template each, shared by the wrk and the vegeta generators.

Templates use ``{id}`` (the next seeded id, round robin) and ``{n}`` (a token unique per request),
so both load generators send exactly the same kind of request. JSON braces never match: a
placeholder is a brace pair around a bare word.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Seed(Enum):
    """Which seeded ids a scenario reads; see ``bench.seed``."""

    NONE = "none"
    READER_CLASSES = "reader_classes"
    READER_STUDENTS = "reader_students"
    ROSTER_CLASSES = "roster_classes"
    WRITER_CLASSES = "writer_classes"


class Teacher(Enum):
    """Whose ``X-User-ID`` a scenario sends: writers never touch the reader's seeded data."""

    WRITER = "writer"
    READER = "reader"


@dataclass(frozen=True)
class Scenario:
    """One request shape under load, with the target it must reach on one worker."""

    name: str
    method: str
    path: str
    body: str = ""
    seed: Seed = Seed.NONE
    teacher: Teacher = Teacher.READER
    is_write: bool = False
    topic: str | None = None
    target_rps: float | None = None
    is_main: bool = False

    @property
    def cpu_budget_ms(self) -> float:
        """CPU per request that the 10x goal allows: 0.8 ms for a write, 0.5 ms for a read."""
        return 0.8 if self.is_write else 0.5


_STUDENT = '"person_name": {"first_name": "Ada", "last_name": "Bench {n}"}, "email": "s-{n}@example.com"'

CEILING = Scenario(name="ceiling", method="GET", path="/bench/ceiling")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="post_class",
        method="POST",
        path="/v1/classes/",
        body='{"name": "Bench class {n}", "course_codes": ["ENG5"]}',
        teacher=Teacher.WRITER,
        is_write=True,
        topic="huleedu.class.created.v1",
        target_rps=850,
        is_main=True,
    ),
    Scenario(
        name="post_student",
        method="POST",
        path="/v1/classes/students",
        body="{" + _STUDENT + "}",
        teacher=Teacher.WRITER,
        is_write=True,
        topic="huleedu.class.student.created.v1",
        target_rps=1200,
        is_main=True,
    ),
    Scenario(
        name="post_student_enrolled",
        method="POST",
        path="/v1/classes/students",
        body="{" + _STUDENT + ', "class_ids": ["{id}"]}',
        seed=Seed.WRITER_CLASSES,
        teacher=Teacher.WRITER,
        is_write=True,
        topic="huleedu.class.student.created.v1",
    ),
    Scenario(
        name="get_class",
        method="GET",
        path="/v1/classes/{id}",
        seed=Seed.READER_CLASSES,
        target_rps=1600,
        is_main=True,
    ),
    Scenario(
        name="get_student",
        method="GET",
        path="/v1/classes/students/{id}",
        seed=Seed.READER_STUDENTS,
        target_rps=1900,
        is_main=True,
    ),
    Scenario(name="list_classes", method="GET", path="/v1/classes/?limit=100", seed=Seed.READER_CLASSES),
    Scenario(
        name="put_student",
        method="PUT",
        path="/v1/classes/students/{id}",
        body='{"person_name": {"first_name": "Ada", "last_name": "Renamed {n}"}}',
        seed=Seed.READER_STUDENTS,
        is_write=True,
        topic="huleedu.class.student.updated.v1",
    ),
    Scenario(name="roster", method="GET", path="/v1/classes/{id}/roster", seed=Seed.ROSTER_CLASSES),
)

SCENARIOS_BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


def fill(template: str, token: str, seeded_id: str = "") -> str:
    """Python twin of ``fill`` in ``wrk/scenario.lua``: the same substitutions, for vegeta targets."""
    return template.replace("{id}", seeded_id).replace("{n}", token)
