"""/docs in a real headless browser (Debian's chromium, installed by .ci/run) with the internet cut off.

Chromium resolves every host but 127.0.0.1 to nothing, so a page that still loaded Swagger UI from
a CDN would stay blank; the DOM after the scripts ran must show the operations.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

from tests.processes import command_env, free_port, running, wait_until_serving

BROWSER_TIMEOUT_S = 90
# Swagger UI renders each operation as an `opblock` with its summary; these are a few of them.
EXPECTED_SUMMARIES = (
    "Create a class",
    "Update a student",
    "Confirm or reject suggestions",
    "Batches' classes",
)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is missing: .ci/run installs it (apt-get install chromium)"
    return path


def _rendered_dom(url: str, profile: Path) -> str:
    """The DOM once the page's scripts ran (virtual time lets Swagger UI fetch and render)."""
    completed = subprocess.run(  # noqa: S603 - a fixed browser binary and our own URL
        [
            _chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


async def test_docs_page_renders_every_operation_from_local_assets_without_internet(
    services_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = command_env(
        f"sqlite+aiosqlite:///{tmp_path}/docs.db",
        services_env,
        port=port,
        use_mock_repository=True,
        kafka_bootstrap_servers="",
        redis_url="",
    )
    async with running(["serve", "--workers", "1"], env, tmp_path / "serve.log") as server:
        await wait_until_serving(server, port)
        dom = await asyncio.to_thread(_rendered_dom, f"http://127.0.0.1:{port}/docs", tmp_path / "profile")

    assert "swagger-ui" in dom
    assert dom.count('class="opblock ') >= 19, dom[-3000:]  # one per documented operation
    for summary in EXPECTED_SUMMARIES:
        assert summary in dom, summary
    assert "Failed to load API definition" not in dom
