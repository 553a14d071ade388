"""A simulated Xiongmai (XMEye) camera speaking DVRIP ("Sofia") on TCP, for tests and demos.

Start one from Python (``CameraSimulator``) or from the command line
(``python -m simulator --help``). It imitates the firmware variants described in
``simulator.profiles`` and never imports the integration: its wire format is written
independently so that a framing mistake in the client is not mirrored here.

Where things are, each layer importing only those below it (tests/simulator/test_layout.py
checks that there is no import circle):

- ``camera``: ``CameraSimulator``, the device with its sockets: the DVRIP server, the device
  search (``discovery``) and the HTTP control API (``control``); ``__main__``: the command line.
- ``session``: one TCP connection: framing, login, keepalive, pushes, stills; the answers it
  dispatches to are in ``answers`` (system info, configurations, abilities, the clock, PTZ,
  the siren, the alarm subscription), ``filequery`` (OPFileQuery), ``download`` (OPPlayBack
  claims and transfers, one or two sockets) and ``machine`` (OPMachine).
- ``device``: ``Device``, the whole device without the network, made of ``state`` (config,
  profile, quirks, clock, counters and the waiters tests use instead of sleeping), ``facts``
  (name, channels, abilities, settings, the search answer), ``accounts`` (users, lockout,
  login sessions), ``recorder`` (history, stills, held downloads), ``alarms`` (pushes, the
  alarm centre) and ``faults`` (injected faults, held-back answers).
- ``link``: what the device sees of a connection (a protocol), its login sessions and claims;
  ``config``: ``SimulatorConfig``, ``SimulatorStats``, ``AlarmRecord``, ``FaultKind``.
- Feature models: ``ptz`` (each channel's PTZ head: moves until their own stop, presets,
  tours; ``CameraSimulator.ptz`` holds what it was asked), ``lighting`` (siren, white light,
  day/night), ``detection`` (detection sections), ``storage`` (the SD card), ``monitor``
  (live video, OPMonitor: each connection's claimed stream, sent at real time;
  ``CameraSimulator.live``) and ``talk`` (the speaker, OPTalk: one talk at a time;
  ``CameraSimulator.speaker`` records the audio of each talk and when each packet came).
- ``history``: recorded files, OPFileQuery filtering, lazily generated media; ``profiles``:
  the firmware variants (ipc, nvr, h265, nopush, legacy, ptz, encrypted...); ``quirks``:
  firmware behaviours on top of a profile.
- ``media``: motion clips and pictures in the Xiongmai container, drawn by ``scene``;
  ``wire``: packet header, JSON codec, password hash.
"""

from simulator.camera import CameraSimulator
from simulator.config import (
    AlarmRecord,
    FaultKind,
    MotionDetection,
    SimulatorConfig,
    SimulatorStats,
)
from simulator.history import ClipSpec, History, HistoryEntry, RecordEvent, RecordType
from simulator.profiles import PROFILES, EndMarker, Profile, get_profile

__all__ = [
    "PROFILES",
    "AlarmRecord",
    "CameraSimulator",
    "ClipSpec",
    "EndMarker",
    "FaultKind",
    "History",
    "HistoryEntry",
    "MotionDetection",
    "Profile",
    "RecordEvent",
    "RecordType",
    "SimulatorConfig",
    "SimulatorStats",
    "get_profile",
]
