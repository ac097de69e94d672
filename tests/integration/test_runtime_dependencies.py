"""`make run` installs only what serving needs: `uv sync --no-dev` leaves the test and lint tools out."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

DEV_ONLY_MODULES = ("mypy", "ruff", "schemathesis", "pytest", "hypothesis", "importlinter", "pytest_cov")
RUNTIME_CHECK = """
import importlib.util, sys
from class_management_service.__main__ import main
from class_management_service.app import create_app
from class_management_service.config import Settings
create_app(Settings(database_url=sys.argv[1]))
print(" ".join(name for name in sys.argv[2:] if importlib.util.find_spec(name) is not None))
"""


def test_the_runtime_environment_serves_and_holds_no_test_or_lint_tool(tmp_path: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv") or "uv"
    venv = tmp_path / "venv"
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    subprocess.run(  # noqa: S603 - uv and the venv it made, fixed arguments
        [uv, "sync", "--frozen", "--no-dev", "--quiet"], cwd=REPO_ROOT, env=env, check=True, timeout=300
    )
    python = str(venv / "bin" / "python")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'runtime.db'}"

    migrate = subprocess.run(  # noqa: S603 - uv and the venv it made, fixed arguments
        [python, "-m", "class_management_service", "migrate"],
        env={**env, "CLASS_MANAGEMENT_SERVICE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    check = subprocess.run(  # noqa: S603 - uv and the venv it made, fixed arguments
        [python, "-c", RUNTIME_CHECK, database_url, *DEV_ONLY_MODULES],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert migrate.returncode == 0, migrate.stderr
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == []
