"""What the soak and scale benchmarks share: cameras in a child process, Home Assistant here.

The simulated cameras run in a child process, so that the memory and CPU measured in this
process are Home Assistant's and the integration's alone. The child speaks one JSON object
per line on stdin and stdout: it prints `{"ports": [...]}` when its cameras listen, then
answers each command line with one result line.

Results go to docs/reliability.md, each benchmark replacing its own section.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from datetime import UTC, datetime
import json
import logging
import os
from pathlib import Path
import platform
import re
import sys
import time
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The repository first on the path: `custom_components` is ours, not the test harness's.
from homeassistant import loader  # noqa: E402
from homeassistant.config_entries import ConfigEntryState  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
import psutil  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.dvrip.const import DOMAIN  # noqa: E402

RESULTS = ROOT / "docs" / "reliability.md"
PASSWORD = "pw"
RESULT_LINE_LIMIT = 64 * 1024 * 1024


class CameraProcess:
    """A child process running simulated cameras, driven by JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process, ports: list[int]) -> None:
        self._process = process
        self.ports = ports

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, script: Path, *args: str) -> AsyncIterator[CameraProcess]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            "--camera-process",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=str(ROOT),
            # A result line lists every alarm of a long run: far over the default 64 KiB.
            limit=RESULT_LINE_LIMIT,
        )
        try:
            first = await cls._read(process)
            yield cls(process, list(first["ports"]))
        finally:
            if process.returncode is None:
                assert process.stdin is not None
                with contextlib.suppress(ConnectionError):
                    process.stdin.write(b'{"command": "quit"}\n')
                    await process.stdin.drain()
                try:
                    async with asyncio.timeout(10):
                        await process.wait()
                except TimeoutError:
                    process.kill()
                    await process.wait()

    @staticmethod
    async def _read(process: asyncio.subprocess.Process) -> dict[str, Any]:
        assert process.stdout is not None
        line = await process.stdout.readline()
        if not line:
            raise RuntimeError("the camera process ended")
        result: dict[str, Any] = json.loads(line)
        return result

    async def command(self, command: str, **arguments: Any) -> dict[str, Any]:
        """Send a command and wait for its result line."""
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"command": command, **arguments}).encode() + b"\n")
        await self._process.stdin.drain()
        return await self._read(self._process)


async def serve_commands(handlers: dict[str, Any], ports: list[int]) -> None:
    """The child's side: announce the ports, then answer commands until "quit"."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps({"ports": ports}), flush=True)
    while line := await reader.readline():
        request = json.loads(line)
        command = request.pop("command")
        if command == "quit":
            return
        result = await handlers[command](**request)
        print(json.dumps(result), flush=True)


@contextlib.asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """Home Assistant's core in this process, as the test harness runs it."""
    async with async_test_home_assistant() as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        hass.config.media_dirs = {}
        try:
            yield hass
        finally:
            for entry in hass.config_entries.async_entries(DOMAIN):
                if entry.state is ConfigEntryState.LOADED:
                    await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            await hass.async_stop(force=True)


async def add_camera(
    hass: HomeAssistant, port: int, serial: str, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """Add and set up an entry for the camera at 127.0.0.1:`port`."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Camera {serial}",
        unique_id=serial,
        data={"host": "127.0.0.1", "port": port, "username": "admin", "password": PASSWORD},
        options=options or {},
    )
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError(f"camera {serial} did not set up")
    await hass.async_block_till_done()
    return entry


def rss_mb() -> float:
    """This process's resident memory."""
    return float(psutil.Process().memory_info().rss) / 1024 / 1024


def cpu_seconds() -> float:
    """CPU time of this process (all threads), user and system, to the nanosecond."""
    return time.process_time()


class SlowCallbacks(logging.Handler):
    """Collects asyncio's debug-mode warnings about callbacks that ran too long."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.durations: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        match = re.search(r"took ([0-9.]+) seconds", message)
        if match and message.startswith("Executing"):
            self.durations.append((float(match[1]), message))

    def of_integration(self) -> list[tuple[float, str]]:
        """Those whose task or handle belongs to the integration (or its client)."""
        return [
            (duration, message)
            for duration, message in self.durations
            if "custom_components" in message or "dvrip" in message
        ]


def machine() -> str:
    return f"CPython {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs"


def write_section(key: str, markdown: str) -> Path:
    """Replace the `key` section of docs/reliability.md (it must exist there)."""
    begin, end = f"<!-- {key}:begin -->", f"<!-- {key}:end -->"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    block = f"{begin}\n{markdown.rstrip()}\n\nMeasured {stamp} with {machine()}.\n{end}"
    text = RESULTS.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise RuntimeError(f"{RESULTS} has no {key} section")
    RESULTS.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")
    return RESULTS
