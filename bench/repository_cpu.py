"""CPU per repository call, SQLAlchemy Core vs asyncpg, on a throwaway PostgreSQL database.

``uv run python -m bench.repository_cpu [--calls 2000] [--concurrency 1 20] [--repeat 3]``: every
method of both implementations, ``--calls`` calls at each concurrency (tasks sharing one engine,
as requests do), with the real event builders; the median of ``--repeat`` measurements. CPU is
``time.process_time`` of this process per call: the service is CPU-bound, so that is what bounds
its requests per second. Run on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

from bench.repository_cpu_setup import Fixture, throwaway_database
from class_management_service.config import Settings
from class_management_service.domain import event_builders as eb
from class_management_service.domain.models import (
    UNSET,
    Actor,
    ClassChanges,
    NewClass,
    NewStudent,
    PageRequest,
    StudentChanges,
    StudentFilter,
)
from class_management_service.implementations.database import create_engine
from class_management_service.implementations.pg_class_repository import AsyncpgClassRepository
from class_management_service.implementations.pg_student_repository import AsyncpgStudentRepository
from class_management_service.implementations.sql_class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sql_student_repository import SqlAlchemyStudentRepository
from class_management_service.protocols import ClassRepositoryProtocol, StudentRepositoryProtocol

Call = Callable[[int], Awaitable[object]]
IMPLEMENTATIONS = {
    "SQLAlchemy": (SqlAlchemyClassRepository, SqlAlchemyStudentRepository),
    "asyncpg": (AsyncpgClassRepository, AsyncpgStudentRepository),
}


@dataclass
class Calls:
    """Every measured method of one implementation as ``call(i)``, in an order that feeds itself."""

    classes: ClassRepositoryProtocol
    students: StudentRepositoryProtocol
    fixture: Fixture
    made_classes: list[uuid.UUID] = field(default_factory=list)
    made_students: list[uuid.UUID] = field(default_factory=list)

    def methods(self) -> dict[str, Call]:
        owner, actor = self.fixture.owner, Actor(self.fixture.owner, uuid.uuid4())
        fx, serial = self.fixture, count()

        def now() -> datetime:
            return datetime.now(UTC)

        classes, students = self.classes, self.students

        async def create_class(_: int) -> None:
            new = NewClass(uuid.uuid4(), "7A", "ENG5", fx.writer, now())
            self.made_classes.append(new.id)
            await classes.create(new, lambda c: [eb.class_created(c, actor)])

        async def create_student(i: int) -> None:
            email = f"s{next(serial)}-{uuid.uuid4().hex[:8]}@example.com"
            enrolled = (fx.writer_classes[i % len(fx.writer_classes)],)
            new = NewStudent(
                uuid.uuid4(), "Ada", "Lovelace", "Ada Lovelace", email, enrolled, fx.writer, now()
            )
            self.made_students.append(new.id)
            await students.create(new, lambda s: [eb.student_created(s, actor)])

        def update_class(i: int) -> Awaitable[object]:
            changes = ClassChanges(f"7A-{i}", None, now())
            target = self.made_classes[i % len(self.made_classes)]
            return classes.update(fx.writer, target, changes, lambda c: [eb.class_updated(c, actor)])

        def update_student(i: int) -> Awaitable[object]:
            changes = StudentChanges(f"Ada {i}", None, None, UNSET, (), (), now())
            target = self.made_students[i % len(self.made_students)]
            return students.update(fx.writer, target, changes, lambda u: [eb.student_updated(u, actor)])

        return {
            "class.create": create_class,
            "class.get": lambda i: classes.get(owner, fx.classes[i % len(fx.classes)]),
            "class.list (20 of 20)": lambda _: classes.list(owner, PageRequest()),
            "class.roster (30)": lambda _: classes.roster(fx.roster_class, owner),
            "class.update": update_class,
            "student.create (1 class)": create_student,
            "student.get": lambda i: students.get(owner, fx.students[i % len(fx.students)]),
            "student.list (20 of 200)": lambda _: students.list(owner, PageRequest(), StudentFilter()),
            "student.list (class+search)": lambda _: students.list(
                owner, PageRequest(), StudentFilter(class_id=fx.roster_class, query="ada")
            ),
            "student.update (rename)": update_student,
            "student.delete": lambda _: students.delete(
                fx.writer, self.made_students.pop(), lambda d: [eb.student_deleted(d, actor, now())]
            ),
            "class.delete": lambda _: classes.delete(
                fx.writer, self.made_classes.pop(), lambda d: [eb.class_deleted(d, actor, now())]
            ),
        }


async def _cpu_per_call(call: Call, calls: int, concurrency: int) -> float:
    """Microseconds of this process's CPU per call, ``calls`` calls spread over ``concurrency`` tasks."""
    per_task = calls // concurrency

    async def worker(first: int) -> None:
        for i in range(first, first + per_task):
            await call(i)

    gc.collect()
    started = time.process_time()
    await asyncio.gather(*(worker(n * per_task) for n in range(concurrency)))
    return (time.process_time() - started) / (per_task * concurrency) * 1e6


@dataclass(frozen=True)
class Plan:
    """How much to measure: calls per measurement, concurrency levels, repetitions (median kept)."""

    calls: int
    levels: list[int]
    repeat: int


async def _measure(url: str, plan: Plan) -> dict[tuple[str, str, int], float]:
    results: dict[tuple[str, str, int], float] = {}
    engine = create_engine(Settings(database_url=url))
    try:
        fixture = await Fixture.seed(engine)
        measured = {
            name: Calls(class_repo(engine), student_repo(engine), fixture)
            for name, (class_repo, student_repo) in IMPLEMENTATIONS.items()
        }
        for concurrency in plan.levels:
            calls = {name: m.methods() for name, m in measured.items()}
            for method in calls["asyncpg"]:
                samples: dict[str, list[float]] = {name: [] for name in calls}
                # Implementations alternate, so a drift in the machine's speed hits both alike.
                for _ in range(plan.repeat):
                    for name, methods in calls.items():
                        await _cpu_per_call(methods[method], 5 * concurrency, concurrency)  # warm-up
                        samples[name].append(await _cpu_per_call(methods[method], plan.calls, concurrency))
                for name, cpu in samples.items():
                    results[name, method, concurrency] = statistics.median(cpu)
                    spread = ", ".join(f"{sample:.0f}" for sample in cpu)
                    print(f"  {name:10s} c={concurrency:<3d} {method:28s} {spread} µs", flush=True)
    finally:
        await engine.dispose()
    return results


def _table(results: dict[tuple[str, str, int], float], levels: list[int]) -> str:
    methods = list(dict.fromkeys(method for _, method, _ in results))
    header = "| method |" + "".join(f" SQLAlchemy c={c} | asyncpg c={c} | ratio |" for c in levels)
    lines = [header, "| --- |" + " ---: |" * 3 * len(levels)]
    for method in methods:
        cells = ""
        for c in levels:
            old, new = results["SQLAlchemy", method, c], results["asyncpg", method, c]
            cells += f" {old:,.0f} | {new:,.0f} | {old / new:.1f}x |"
        lines.append(f"| {method} |{cells}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--repeat", type=int, default=3, help="measurements per cell; the median is shown")
    args = parser.parse_args()
    plan = Plan(args.calls, args.concurrency, args.repeat)

    async def run() -> dict[tuple[str, str, int], float]:
        async with throwaway_database() as url:
            return await _measure(url, plan)

    results = asyncio.run(run())
    print(f"\nCPU µs per call (process_time), median of {plan.repeat} runs of {plan.calls} calls\n")
    print(_table(results, plan.levels))


if __name__ == "__main__":
    main()
