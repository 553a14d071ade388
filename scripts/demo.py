"""The demo: a simulated recorder and a real Home Assistant with this integration, set up.

    scripts/demo            (sets up .venv, then runs this file)
    .venv/bin/python scripts/demo.py [--port 8123] [--listen 127.0.0.1] [--fresh]
                                     [--stack oldest|current]

Home Assistant runs on one of the two test stacks: the oldest (`.venv`, Home Assistant
2025.4, the default: no root needed) or the current one (`--stack current`: Home Assistant
2026.10 in the chroot of `scripts/current-stack`, which needs root; the simulator stays in
`.venv`). Both share the machine's loopback, so the rest is the same.

What it does, in order:

1. Writes a Home Assistant configuration folder in `.demo/config` (outside git) that loads
   only what the demo needs, and links this repository's `custom_components` into it.
2. Starts the simulator: a two-channel recorder (profile `nvr`, "Home recorder", channels
   "Front door" and "Garden") with two days of history, whose cameras have a PTZ head and
   report it and a white light in `SystemFunction.OtherFunction`. It answers the device
   search on the loopback, and Home Assistant's search asks there only
   (`DVRIP_DISCOVERY_TARGETS`): nothing is sent beyond this machine.
3. Starts Home Assistant (`hass -c .demo/config --skip-pip`: every requirement was installed
   beforehand, so nothing is downloaded at run time), on the stack chosen.
4. Completes onboarding through Home Assistant's own HTTP API, with a demo user, or logs in
   as that user when an earlier run did so already. (The location step is recorded as done
   before the first start: configuration.yaml sets the location.)
5. Adds the simulated recorder through the integration's real config flow, unless an entry
   exists already (each channel becomes a device named from its title: the entities read
   `binary_sensor.front_door_motion`, `event.garden_alarm`); installs the dashboard and an
   automation made from the blueprint in `blueprints/automation/dvrip/` and one that shows
   each channel's last alarm picture as a notification in Home Assistant, unless they exist
   already.
6. Raises an alarm every 20 to 40 seconds on a random channel (motion, sometimes a person
   too) through the simulator's control API, until Ctrl-C; then stops Home Assistant and the
   simulator.

A second run reuses `.demo/`: Home Assistant keeps its users, the entry, the dashboard, the
recorder's database and the kept alarm pictures. `--fresh` starts from an empty folder.

`scripts/e2e.py` imports `Demo` from here to run the same set-up in a folder of its own.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Mapping
import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
import json
import logging
import os
from pathlib import Path
import random
import shutil
import signal
import sys
import time
from typing import Any, Final

import aiohttp

ROOT: Final = Path(__file__).resolve().parent.parent
PYTHON: Final = ROOT / ".venv" / "bin" / "python"
CURRENT_STACK: Final = ROOT / "scripts" / "current-stack"
# Where scripts/current-stack mounts this clone inside its chroot.
CURRENT_STACK_ROOT: Final = Path("/src")
BLUEPRINT: Final = ROOT / "blueprints" / "automation" / "dvrip" / "notify_alarm_picture.yaml"
DEFAULT_STATE: Final = ROOT / ".demo"

USER_NAME: Final = "Demo"
USERNAME: Final = "demo"
PASSWORD: Final = "dvrip-demo"  # noqa: S105 - printed for the person running the demo
CAMERA_USER: Final = "admin"
CAMERA_PASSWORD: Final = "demo"  # noqa: S105 - the simulated recorder's own password
CHANNELS: Final = 2
HISTORY_DAYS: Final = 2
ALARM_SECONDS: Final = (20.0, 40.0)
AUTOMATION_ID: Final = "dvrip_demo_notify_alarm_picture"
PICTURE_NOTIFICATION_ID: Final = "dvrip_demo_picture_notification"
# The onboarding step that confirms the location. configuration.yaml sets the location, and
# finishing that step through the API would also add weather, radio and text-to-speech
# integrations (homeassistant/components/onboarding/views.py) that need packages and servers
# the demo does without. So the step is recorded as done before the first start, in the
# store Home Assistant 2025.4 keeps onboarding in.
ONBOARDING_STORE: Final = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config"]},
}

# Where Home Assistant listens. 2025.4 reads it from configuration.yaml; 2026.10 moves the
# YAML into its store once, as a trial that restarts Home Assistant after five minutes unless
# a user confirms it (homeassistant/components/http/config.py). So on the current stack the
# demo writes the store itself, on every start, as confirmed, and leaves the YAML out.
HTTP_YAML: Final = """\
http:
  server_host: {listen}
  server_port: {port}
"""
HTTP_STORE_VERSION: Final = {"version": 2, "minor_version": 2, "key": "http"}

# Home Assistant needs about a minute to start on a small machine, more on a first start.
START_TIMEOUT: Final = 300.0
STOP_TIMEOUT: Final = 60.0

LOGGER = logging.getLogger("demo")
# Where the integration's device search goes instead of the broadcast address
# (custom_components/dvrip/discovery.py).
DISCOVERY_TARGETS_VARIABLE: Final = "DVRIP_DISCOVERY_TARGETS"

# Only what the demo shows, listed one by one: `default_config` pulls in go2rtc, which needs
# a binary of its own, and integrations that look for devices on the network.
CONFIGURATION_YAML: Final = """\
# Written by scripts/demo on every start; edit scripts/demo.py instead.
homeassistant:
  name: DVRIP demo
  latitude: 52.3731
  longitude: 4.8922
  elevation: 0
  unit_system: metric
  currency: EUR
  country: NL
  language: en
  time_zone: UTC
  # Alarm pictures are kept here (in a container Home Assistant would pick /media).
  media_dirs:
    local: {media}

{http}
frontend:
config:
history:
logbook:
recorder:
  purge_keep_days: 3
media_source:
automation: !include automations.yaml
notify:
system_log:
logger:
  default: warning
  logs:
    custom_components.dvrip: info
"""


@dataclass(frozen=True, slots=True)
class DemoPorts:
    """Where Home Assistant and the simulated recorder listen (all on loopback but `listen`)."""

    http: int = 8123
    camera: int = 34567
    control: int = 8765
    # The recorder answers the device search here (UDP; not the real 34569, which a camera
    # on the network may use).
    discovery: int = 34570
    listen: str = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class DemoEntities:
    """The entity ids of one channel, read from the entity registry after set-up."""

    channel: int
    picture: str
    snapshot: str
    motion: str
    person: str
    alarm: str
    # The channel's device name: the recorder's title for the channel.
    name: str = ""


class Stack(StrEnum):
    """The test stack Home Assistant runs on (see CONTRIBUTING.md, the two test stacks)."""

    OLDEST = "oldest"  # .venv: Home Assistant 2025.4, Python 3.13
    CURRENT = "current"  # scripts/current-stack: Home Assistant 2026.10, Python 3.14


class DemoError(Exception):
    """The demo could not be set up; the message says why and where to look."""


@dataclass
class Demo:
    """The simulated recorder and Home Assistant, set up and running (an async context)."""

    state: Path = DEFAULT_STATE
    ports: DemoPorts = field(default_factory=DemoPorts)
    alarms: bool = True
    stack: Stack = Stack.OLDEST
    # False: `start` leaves the camera out, for the caller to add it (through the setup
    # dialog's search, which offers only cameras not set up yet) and then call `set_up`.
    add_camera: bool = True

    def __post_init__(self) -> None:
        self.config = self.state / "config"
        self.base_url = f"http://127.0.0.1:{self.ports.http}"
        self.control_url = f"http://127.0.0.1:{self.ports.control}"
        self.access_token = ""
        self.entities: list[DemoEntities] = []
        self._processes: list[tuple[str, asyncio.subprocess.Process]] = []
        self._session: aiohttp.ClientSession | None = None
        self._alarm_task: asyncio.Task[None] | None = None
        self._message_id = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Demo:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start both programs and set Home Assistant up; returns when the dashboard is ready."""
        started = time.monotonic()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        await self._check_ports_free()
        self.write_config()
        await self._start_simulator()
        await self._start_home_assistant()
        await self._wait_for_http()
        if await self._needs_onboarding():
            LOGGER.info("Onboarding: creating the user %r", USERNAME)
            await self._onboard()
        else:
            await self._log_in()
        await self._wait_until_running()
        if self.add_camera:
            await self.set_up()
        LOGGER.info("Ready after %.0f s", time.monotonic() - started)

    async def set_up(self) -> None:
        """Add the camera (unless it is), then the dashboard, the automations and the alarms."""
        await self._add_camera()
        self.entities = await self._read_entities()
        await self._install_dashboard()
        await self._install_automation()
        await self._install_picture_notification()
        if self.alarms and self._alarm_task is None:
            self._alarm_task = asyncio.create_task(self._raise_alarms(), name="demo alarms")

    async def stop(self) -> None:
        """Stop what `start` started: Home Assistant first (it logs out of the camera)."""
        if self._alarm_task is not None:
            self._alarm_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._alarm_task
            self._alarm_task = None
        for name, process in reversed(self._processes):
            await _terminate(name, process)
        self._processes.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def wait(self) -> None:
        """Until one of the programs ends by itself (the caller cancels this on Ctrl-C)."""
        waits = {
            asyncio.create_task(process.wait(), name=name): name
            for name, process in self._processes
        }
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        name = waits[next(iter(done))]
        raise DemoError(f"{name} stopped by itself; see its log in {self.state}")

    # -- the configuration folder ----------------------------------------------------------

    def write_config(self) -> None:
        """The configuration folder; what Home Assistant itself stored there is kept."""
        self.config.mkdir(parents=True, exist_ok=True)
        (self.config / "configuration.yaml").write_text(
            CONFIGURATION_YAML.format(
                http=HTTP_YAML.format(listen=self.ports.listen, port=self.ports.http)
                if self.stack is Stack.OLDEST
                else "",
                media=self.home_assistant_path(self.config / "media"),
            )
        )
        (self.config / "media").mkdir(exist_ok=True)
        storage = self.config / ".storage"
        if not storage.exists():
            storage.mkdir()
            (storage / "onboarding").write_text(json.dumps(ONBOARDING_STORE, indent=2))
        if self.stack is Stack.CURRENT:
            (storage / "http").write_text(json.dumps(self.http_store(), indent=2))
        automations = self.config / "automations.yaml"
        if not automations.exists():
            automations.write_text("[]\n")
        # Relative, so that it holds inside the current stack's chroot as well.
        link = self.config / "custom_components"
        target = Path(os.path.relpath(ROOT / "custom_components", self.config))
        if link.is_symlink() and link.readlink() != target:
            link.unlink()
        if not link.is_symlink():
            if link.exists():
                shutil.rmtree(link)
            link.symlink_to(target, target_is_directory=True)
        # The blueprint as a user would have imported it.
        blueprint = self.config / "blueprints" / "automation" / "dvrip" / BLUEPRINT.name
        blueprint.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BLUEPRINT, blueprint)

    def http_store(self) -> dict[str, Any]:
        """Home Assistant 2026.10's HTTP settings store: the demo's address, confirmed."""
        stable = {
            "server_host": [self.ports.listen],
            "server_port": self.ports.http,
            # The defaults Home Assistant fills in (HTTP_STORAGE_SCHEMA).
            "cors_allowed_origins": ["https://cast.home-assistant.io"],
            "login_attempts_threshold": -1,
            "ip_ban_enabled": True,
            "ssl_profile": "modern",
            "use_x_frame_options": True,
            "created_at": "2026-01-01T00:00:00+00:00",
            "error": None,
            "error_message": None,
        }
        return {
            **HTTP_STORE_VERSION,
            "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
        }

    def home_assistant_path(self, path: Path) -> Path:
        """`path` as Home Assistant sees it: the current stack sees this clone at /src."""
        if self.stack is Stack.OLDEST:
            return path
        try:
            return CURRENT_STACK_ROOT / path.resolve().relative_to(ROOT)
        except ValueError:
            raise DemoError(
                f"{path} is outside {ROOT}: the current stack sees this clone only"
            ) from None

    # -- the programs ----------------------------------------------------------------------

    async def _check_ports_free(self) -> None:
        for port in (self.ports.http, self.ports.camera, self.ports.control):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                raise DemoError(
                    f"port {port} is in use (another demo?); stop it or choose other ports"
                )

    async def _spawn(
        self, name: str, log_name: str, *args: str, env: Mapping[str, str] | None = None
    ) -> asyncio.subprocess.Process:
        log = (self.state / log_name).open("ab")
        try:
            process = await asyncio.create_subprocess_exec(
                *args,
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                # Its own process group: Ctrl-C reaches the demo, which stops it in order.
                start_new_session=True,
            )
        finally:
            log.close()
        self._processes.append((name, process))
        return process

    def simulator_arguments(self) -> list[str]:
        """The simulator's command line: every port it opens is on the loopback."""
        return [
            str(PYTHON),
            "-m",
            "simulator",
            "--profile",
            "nvr",
            # A recorder whose cameras detect people: the person sensors start enabled.
            "--alarm-functions",
            "MotionDetect,HumanDection,BlindDetect,LossDetect",
            # Cameras with a PTZ head and a white light: the controls start enabled.
            "--ptz",
            "--white-light",
            "--channels",
            str(CHANNELS),
            "--history-days",
            str(HISTORY_DAYS),
            "--port",
            str(self.ports.camera),
            "--control-port",
            str(self.ports.control),
            "--user",
            CAMERA_USER,
            "--password",
            CAMERA_PASSWORD,
            # It answers the device search on the loopback only.
            "--discovery-port",
            str(self.ports.discovery),
            "--discovery-host",
            "127.0.0.1",
            "--log-level",
            "INFO",
        ]

    def home_assistant_environment(self) -> dict[str, str]:
        """Home Assistant's environment: the device search asks the simulator only."""
        return {
            **os.environ,
            DISCOVERY_TARGETS_VARIABLE: f"127.0.0.1:{self.ports.discovery}",
        }

    async def _start_simulator(self) -> None:
        log = self.state / "simulator.log"
        log.write_bytes(b"")
        process = await self._spawn("the simulator", log.name, *self.simulator_arguments())
        deadline = time.monotonic() + 30
        while b"dvrip-simulator listening" not in log.read_bytes():
            if process.returncode is not None or time.monotonic() > deadline:
                raise DemoError(f"the simulator did not start; see {log}")
            await asyncio.sleep(0.2)

    def home_assistant_arguments(self) -> list[str]:
        """Home Assistant's command line on the stack chosen."""
        if self.stack is Stack.OLDEST:
            program = [str(ROOT / ".venv" / "bin" / "hass")]
        else:
            # Its `hass` is on the chroot's PATH; the environment variable of the device
            # search is passed into the chroot by the script.
            program = [str(CURRENT_STACK), "hass"]
        return [
            *program,
            "--config",
            str(self.home_assistant_path(self.config)),
            # Requirements are installed by scripts/demo; nothing is downloaded at start.
            "--skip-pip",
            "--log-no-color",
        ]

    async def _start_home_assistant(self) -> None:
        await self._spawn(
            "Home Assistant",
            "home-assistant.out",
            *self.home_assistant_arguments(),
            env=self.home_assistant_environment(),
        )

    async def _wait_for_http(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            self._check_alive()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._http.get(f"{self.base_url}/manifest.json") as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise DemoError(f"Home Assistant did not answer; see {self._ha_log}")
            await asyncio.sleep(1)

    async def _wait_until_running(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while (await self.api("GET", "/api/config"))["state"] != "RUNNING":
            if time.monotonic() > deadline:
                raise DemoError(f"Home Assistant did not finish starting; see {self._ha_log}")
            await asyncio.sleep(1)

    def _check_alive(self) -> None:
        for name, process in self._processes:
            if process.returncode is not None:
                raise DemoError(f"{name} exited with {process.returncode}; see {self.state}")

    @property
    def _ha_log(self) -> Path:
        return self.config / "home-assistant.log"

    @property
    def _http(self) -> aiohttp.ClientSession:
        assert self._session is not None
        return self._session

    # -- Home Assistant's API --------------------------------------------------------------

    async def api(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        """A REST call with the demo user's token; the JSON answer."""
        async with self._http.request(
            method,
            f"{self.base_url}{path}",
            json=payload,
            headers={"Authorization": f"Bearer {self.access_token}"},
        ) as response:
            if response.status >= 400:
                text = await response.text()
                raise DemoError(f"{method} {path}: HTTP {response.status}: {text}")
            return await response.json()

    async def _websocket(self, *commands: Mapping[str, Any]) -> list[Any]:
        """Run websocket commands in order; the result of each, or a DemoError."""
        results = []
        async with self._http.ws_connect(f"{self.base_url}/api/websocket") as socket:
            await socket.receive_json()  # auth_required
            await socket.send_json({"type": "auth", "access_token": self.access_token})
            if (answer := await socket.receive_json())["type"] != "auth_ok":
                raise DemoError(f"websocket login refused: {answer}")
            for command in commands:
                self._message_id += 1
                await socket.send_json({"id": self._message_id, **command})
                while (answer := await socket.receive_json()).get("id") != self._message_id:
                    pass
                if not answer["success"]:
                    raise _WebsocketError(answer["error"]["code"], answer["error"]["message"])
                results.append(answer["result"])
        return results

    async def _token(self, code: str) -> None:
        async with self._http.post(
            f"{self.base_url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as response:
            if response.status != 200:
                raise DemoError(f"no token for the demo user: HTTP {response.status}")
            self.access_token = (await response.json())["access_token"]

    @property
    def client_id(self) -> str:
        return f"{self.base_url}/"

    async def _needs_onboarding(self) -> bool:
        async with self._http.get(f"{self.base_url}/api/onboarding") as response:
            if response.status == 404:
                return False  # onboarding is complete: its views are gone
            steps = await response.json()
        done = {step["step"] for step in steps if step["done"]}
        if "user" in done and len(done) < len(steps):
            raise DemoError(
                f"onboarding of {self.config} stopped half-way; run `scripts/demo --fresh`"
            )
        return "user" not in done

    async def _onboard(self) -> None:
        """The onboarding steps left (see ONBOARDING_STORE), as the onboarding pages take them."""
        async with self._http.post(
            f"{self.base_url}/api/onboarding/users",
            json={
                "name": USER_NAME,
                "username": USERNAME,
                "password": PASSWORD,
                "client_id": self.client_id,
                "language": "en",
            },
        ) as response:
            if response.status != 200:
                raise DemoError(f"onboarding refused the user: HTTP {response.status}")
            code = (await response.json())["auth_code"]
        await self._token(code)
        await self.api("POST", "/api/onboarding/analytics")
        await self.api(
            "POST",
            "/api/onboarding/integration",
            {"client_id": self.client_id, "redirect_uri": f"{self.base_url}/?auth_callback=1"},
        )

    async def _log_in(self) -> None:
        """The login form's flow, as the login page runs it."""
        flow = await self._post_json(
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.base_url}/?auth_callback=1",
            },
        )
        result = await self._post_json(
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": USERNAME, "password": PASSWORD},
        )
        if result.get("type") != "create_entry":
            raise DemoError(
                f"the demo user cannot log in to {self.config} ({result.get('errors')}); "
                "run `scripts/demo --fresh`"
            )
        await self._token(result["result"])

    async def _post_json(self, path: str, payload: Mapping[str, Any]) -> Any:
        async with self._http.post(f"{self.base_url}{path}", json=payload) as response:
            if response.status != 200:
                raise DemoError(f"POST {path}: HTTP {response.status}: {await response.text()}")
            return await response.json()

    # -- the camera, the dashboard and the automation ---------------------------------------

    async def _add_camera(self) -> None:
        """The config flow, as the "Add integration" dialog runs it; skipped when it exists."""
        entries = await self.api("GET", "/api/config/config_entries/entry?domain=dvrip")
        if entries:
            entry = entries[0]
            if entry["state"] != "loaded":
                await self._wait_for_entry(entry["entry_id"])
            return
        flow = await self.api("POST", "/api/config/config_entries/flow", {"handler": "dvrip"})
        if flow.get("type") == "menu":
            # The search found the recorder (on the loopback, see home_assistant_environment):
            # the dialog offers it; the demo adds it by address, as a user may too.
            flow = await self.api(
                "POST",
                f"/api/config/config_entries/flow/{flow['flow_id']}",
                {"next_step_id": "manual"},
            )
        result = await self.api(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {
                "host": "127.0.0.1",
                "port": self.ports.camera,
                "username": CAMERA_USER,
                "password": CAMERA_PASSWORD,
            },
        )
        if result.get("type") != "create_entry":
            raise DemoError(f"the config flow did not add the camera: {result}")
        LOGGER.info("Added %s through the config flow", result["title"])
        await self._wait_for_entry(result["result"]["entry_id"])

    async def wait_for_camera(self) -> str:
        """Until the camera's entry, added by someone else (the setup dialog), is loaded;
        its title."""
        deadline = time.monotonic() + 60
        while not (
            entries := await self.api("GET", "/api/config/config_entries/entry?domain=dvrip")
        ):
            if time.monotonic() > deadline:
                raise DemoError("the camera was not added")
            await asyncio.sleep(0.5)
        await self._wait_for_entry(entries[0]["entry_id"])
        return str(entries[0]["title"])

    async def _wait_for_entry(self, entry_id: str) -> None:
        deadline = time.monotonic() + 60
        while True:
            entries = await self.api("GET", "/api/config/config_entries/entry?domain=dvrip")
            state = next((e["state"] for e in entries if e["entry_id"] == entry_id), None)
            if state == "loaded":
                return
            if time.monotonic() > deadline:
                raise DemoError(f"the camera's entry is {state}; see {self._ha_log}")
            await asyncio.sleep(1)

    async def _read_entities(self) -> list[DemoEntities]:
        """Each channel's entities, found by unique id (`<serial>_<channel>_<key>`)."""
        keys = ("last_alarm_picture", "snapshot", "motion", "person", "alarm")
        deadline = time.monotonic() + 60
        while True:
            (registry,) = await self._websocket({"type": "config/entity_registry/list"})
            ours = [entity for entity in registry if entity["platform"] == "dvrip"]
            found = {
                (channel, key): entity["entity_id"]
                for entity in ours
                for channel in range(CHANNELS)
                for key in keys
                if entity["unique_id"].endswith(f"_{channel}_{key}")
            }
            if len(found) == CHANNELS * len(keys):
                # Each channel is a device of its own, named from the recorder's title.
                (devices,) = await self._websocket({"type": "config/device_registry/list"})
                names = {d["id"]: d["name_by_user"] or d["name"] for d in devices}
                device_of = {entity["entity_id"]: entity["device_id"] for entity in ours}
                return [
                    DemoEntities(
                        channel,
                        picture=found[channel, "last_alarm_picture"],
                        snapshot=found[channel, "snapshot"],
                        motion=found[channel, "motion"],
                        person=found[channel, "person"],
                        alarm=found[channel, "alarm"],
                        name=names.get(device_of[found[channel, "alarm"]]) or "",
                    )
                    for channel in range(CHANNELS)
                ]
            if time.monotonic() > deadline:
                raise DemoError(f"the camera's entities are missing: found {sorted(found)}")
            await asyncio.sleep(1)

    def dashboard(self) -> dict[str, Any]:
        """The demo's dashboard: per channel the last alarm's picture, the live snapshot,
        the motion and person sensors; then a logbook of the alarms."""
        cards: list[dict[str, Any]] = []
        for channel in self.entities:
            cards.append(
                {
                    "type": "vertical-stack",
                    "title": channel.name or f"Channel {channel.channel + 1}",
                    "cards": [
                        {
                            "type": "picture-entity",
                            "entity": channel.picture,
                            "name": "Last alarm picture",
                            "show_state": False,
                        },
                        {
                            "type": "entities",
                            "entities": [
                                {"entity": channel.motion, "name": "Motion"},
                                {"entity": channel.person, "name": "Person"},
                                {"entity": channel.alarm, "name": "Last alarm"},
                            ],
                        },
                        {
                            "type": "picture-entity",
                            "entity": channel.snapshot,
                            "name": "Snapshot",
                            "camera_view": "auto",
                            "show_state": False,
                        },
                    ],
                }
            )
        cards.append(
            {
                "type": "logbook",
                "title": "Alarms",
                "hours_to_show": 24,
                "entities": [channel.alarm for channel in self.entities],
            }
        )
        return {
            "title": "DVRIP demo",
            "views": [{"title": "Cameras", "path": "cameras", "cards": cards}],
        }

    @property
    def dashboard_path(self) -> str:
        """The demo dashboard's address under the base URL.

        Home Assistant 2025.4 opens the default dashboard (`lovelace`). 2026.10 opens its
        own overview instead and no longer offers `lovelace` as the default, so there the
        demo adds a dashboard of its own and makes it the default, as a user would in
        Settings > Dashboards.
        """
        return "lovelace" if self.stack is Stack.OLDEST else "dvrip-demo"

    async def _install_dashboard(self) -> None:
        """The demo dashboard, in storage mode; one that exists already is left alone."""
        url_path = None if self.stack is Stack.OLDEST else self.dashboard_path
        if url_path is not None:
            (dashboards,) = await self._websocket({"type": "lovelace/dashboards/list"})
            if not any(board["url_path"] == url_path for board in dashboards):
                await self._websocket(
                    {
                        "type": "lovelace/dashboards/create",
                        "url_path": url_path,
                        "title": "Cameras",
                        "icon": "mdi:cctv",
                        "mode": "storage",
                        "show_in_sidebar": True,
                        "require_admin": False,
                    }
                )
            await self._websocket(
                {
                    "type": "frontend/set_system_data",
                    "key": "core",
                    "value": {"default_panel": url_path},
                }
            )
        try:
            await self._websocket({"type": "lovelace/config", "url_path": url_path, "force": True})
        except _WebsocketError as err:
            if err.code != "config_not_found":
                raise
        else:
            return
        await self._websocket(
            {"type": "lovelace/config/save", "url_path": url_path, "config": self.dashboard()}
        )
        LOGGER.info("Installed the dashboard")

    async def _add_automation(self, automation_id: str, config: dict[str, Any]) -> bool:
        """Add the automation `automation_id` unless it exists; whether it was added."""
        path = f"/api/config/automation/config/{automation_id}"
        async with self._http.get(
            f"{self.base_url}{path}", headers={"Authorization": f"Bearer {self.access_token}"}
        ) as response:
            if response.status == 200:
                return False
        await self.api("POST", path, config)
        return True

    async def _install_automation(self) -> None:
        """An automation from the blueprint that shows each alarm as a notification."""
        added = await self._add_automation(
            AUTOMATION_ID,
            {
                "alias": f"Notify with the alarm picture ({self.entities[0].name or 'channel 1'})",
                "description": "Made by scripts/demo from the blueprint.",
                "use_blueprint": {
                    "path": f"dvrip/{BLUEPRINT.name}",
                    "input": {
                        "picture_entity": self.entities[0].picture,
                        "notify_action": "notify.persistent_notification",
                        "cooldown": 60,
                    },
                },
            },
        )
        if added:
            LOGGER.info("Installed an automation from the blueprint")

    def picture_notification(self) -> dict[str, Any]:
        """An automation that shows each channel's last alarm picture as a notification in
        Home Assistant, where a phone would get the blueprint's: one per channel, replaced
        by the next alarm.

        Its markdown shows the image entity's own picture address (`entity_picture`), whose
        access token the browser may use; `picture_url` needs a login the browser's <img>
        does not send. The token changes every few minutes, so an old notification's
        picture would break: the next alarm's replaces it first.
        """
        attributes = "trigger.to_state.attributes"
        return {
            "alias": "Show the alarm picture in the notifications",
            "description": "Made by scripts/demo: each channel's last alarm with its picture.",
            "mode": "queued",
            "triggers": [
                {
                    "trigger": "state",
                    "entity_id": [channel.picture for channel in self.entities],
                    "not_from": ["unavailable"],
                    "not_to": ["unavailable", "unknown"],
                }
            ],
            "actions": [
                {
                    "action": "persistent_notification.create",
                    "data": {
                        "notification_id": (
                            f"{PICTURE_NOTIFICATION_ID}_{{{{ {attributes}.channel }}}}"
                        ),
                        "title": (
                            "{{ device_attr(device_id(trigger.entity_id), 'name') }}: "
                            f"{{{{ {attributes}.event_type | replace('_', ' ') | capitalize }}}}"
                        ),
                        "message": (
                            f"At {{{{ as_local(as_datetime({attributes}.alarm_time))"
                            ".strftime('%H:%M:%S') }}\n\n"
                            f"![The alarm's picture]({{{{ {attributes}.entity_picture }}}})"
                        ),
                    },
                }
            ],
        }

    async def _install_picture_notification(self) -> None:
        """The automation of `picture_notification`, unless it exists."""
        if await self._add_automation(PICTURE_NOTIFICATION_ID, self.picture_notification()):
            LOGGER.info("Installed the automation that shows alarm pictures as notifications")

    # -- alarms ----------------------------------------------------------------------------

    async def raise_alarm(self, channel: int, event: str = "VideoMotion") -> dict[str, Any]:
        """Start an alarm on the simulated recorder; stop it with `end_alarm`."""
        return await self._control(channel, event, "Start")

    async def end_alarm(self, channel: int, event: str = "VideoMotion") -> dict[str, Any]:
        return await self._control(channel, event, "Stop")

    async def ptz_heads(self) -> dict[str, Any]:
        """What the simulated recorder's PTZ heads do (`GET /ptz` of its control API)."""
        async with self._http.get(f"{self.control_url}/ptz") as response:
            result: dict[str, Any] = await response.json()
            return result

    async def _control(self, channel: int, event: str, status: str) -> dict[str, Any]:
        async with self._http.post(
            f"{self.control_url}/alarms",
            json={"channel": channel, "event": event, "status": status},
        ) as response:
            result: dict[str, Any] = await response.json()
            if response.status != 200:
                raise DemoError(f"the simulator refused the alarm: {result}")
            return result

    async def _raise_alarms(self) -> None:
        """Alarms every 20 to 40 s: motion, and every third or so a person as well.

        The first alarm on each channel comes at once, so both pictures show up soon.
        """
        rng = random.Random()  # noqa: S311 - demo timing, not security
        channels = list(range(CHANNELS))
        waits = [2.0] * CHANNELS
        while True:
            channel = channels.pop(0) if channels else rng.randrange(CHANNELS)
            wait = waits.pop(0) if waits else rng.uniform(*ALARM_SECONDS)
            await asyncio.sleep(wait)
            events = ["VideoMotion"]
            if rng.random() < 0.35:
                events.append("HumanDetect")
            try:
                for event in events:
                    await self.raise_alarm(channel, event)
                    await asyncio.sleep(1)
                await asyncio.sleep(4)
                for event in events:
                    await self.end_alarm(channel, event)
            except (aiohttp.ClientError, TimeoutError, DemoError) as err:
                LOGGER.warning("Could not raise an alarm: %s", err)
            else:
                LOGGER.info("Alarm on channel %d: %s", channel + 1, " + ".join(events))


class _WebsocketError(DemoError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


async def _terminate(name: str, process: asyncio.subprocess.Process) -> None:
    """SIGTERM to its process group and wait (Home Assistant saves its state then); SIGKILL
    when it hangs.

    The whole group, as each program was started in a session of its own: on the current
    stack Home Assistant runs under scripts/current-stack, which ends before it does.
    """
    group = process.pid
    if not _group_running(group):
        await process.wait()
        return
    LOGGER.info("Stopping %s", name)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _group_running(group):
        if time.monotonic() > deadline:
            LOGGER.warning("%s did not stop in %.0f s: killing it", name, STOP_TIMEOUT)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            break
        await asyncio.sleep(0.2)
    await process.wait()


def _group_running(group: int) -> bool:
    """Whether a process of the group is alive (not a zombie), from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
        state, _, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == group and state != "Z":
            return True
    return False


def banner(demo: Demo) -> str:
    lines = [
        "",
        "DVRIP demo is running.",
        f"  Open      {demo.base_url}/  (the dashboard)",
        f"  Log in    user {USERNAME!r}, password {PASSWORD!r}",
        f"  Camera    127.0.0.1:{demo.ports.camera}, login {CAMERA_USER}/{CAMERA_PASSWORD}"
        f" (a simulated {CHANNELS}-channel recorder)",
        f"  Alarms    one every {ALARM_SECONDS[0]:.0f} to {ALARM_SECONDS[1]:.0f} s; raise one:",
        f"            curl -X POST {demo.control_url}/alarms "
        """-d '{"channel": 0, "event": "HumanDetect"}'""",
        f"  Logs      {demo.config / 'home-assistant.log'}, {demo.state / 'simulator.log'}",
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


@contextlib.asynccontextmanager
async def _until_interrupted() -> AsyncIterator[asyncio.Event]:
    """An event set by SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def run(demo: Demo) -> int:
    async with _until_interrupted() as stop:
        stopping = asyncio.create_task(stop.wait())
        starting = asyncio.create_task(demo.start())
        try:
            await asyncio.wait({stopping, starting}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError, DemoError):
                    await starting
                return 130
            starting.result()
            print(banner(demo), flush=True)
            watching = asyncio.create_task(demo.wait())
            await asyncio.wait({stopping, watching}, return_when=asyncio.FIRST_COMPLETED)
            watching.cancel()
            if not stopping.done():
                watching.result()  # raises the DemoError that says which program stopped
        except DemoError as err:
            print(f"scripts/demo: {err}", file=sys.stderr)
            return 1
        finally:
            stopping.cancel()
            print("Stopping the demo...", flush=True)
            await demo.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's HTTP port")
    parser.add_argument(
        "--listen",
        default="127.0.0.1",
        help="address Home Assistant listens on (0.0.0.0 to open it from another machine)",
    )
    parser.add_argument("--camera-port", type=int, default=34567)
    parser.add_argument("--control-port", type=int, default=8765)
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE, help="demo folder")
    parser.add_argument("--fresh", action="store_true", help="forget what earlier runs set up")
    parser.add_argument("--no-alarms", action="store_true", help="raise alarms only by hand")
    parser.add_argument(
        "--stack",
        type=Stack,
        choices=list(Stack),
        default=Stack.OLDEST,
        help="the test stack Home Assistant runs on (current: in scripts/current-stack, as root)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s demo: %(message)s")
    state = args.state.resolve()
    if args.fresh and state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True, exist_ok=True)
    ports = DemoPorts(
        http=args.port, camera=args.camera_port, control=args.control_port, listen=args.listen
    )
    LOGGER.info("Starting the simulator and Home Assistant in %s (up to a minute)", state)
    demo = Demo(state, ports, alarms=not args.no_alarms, stack=args.stack)
    return asyncio.run(run(demo))


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
