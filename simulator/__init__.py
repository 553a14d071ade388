"""A simulated Xiongmai (XMEye) camera speaking DVRIP ("Sofia") on TCP, for tests and demos.

Start one from Python (``CameraSimulator``) or from the command line
(``python -m simulator --help``). It imitates the firmware variants described in
``simulator.profiles`` and never imports the integration: its wire format is written
independently so that a framing mistake in the client is not mirrored here.

Where things are:

- ``camera``: ``CameraSimulator`` and ``SimulatorConfig``: lifecycle, clock, alarms, faults,
  statistics and the waiters tests use instead of sleeping.
- ``session``: one TCP connection: login, keepalive, queries, snapshots, pushes.
- ``download``: OPPlayBack claims and transfers, one or two sockets.
- ``history``: recorded files, OPFileQuery filtering, lazily generated media.
- ``profiles``: the firmware variants (ipc, nvr, h265, nopush, legacy, ptz, encrypted...).
- ``ptz``: each channel's PTZ head (OPPTZControl): moves until their own stop, presets, tours;
  ``CameraSimulator.ptz`` holds what it was asked, for tests to wait on.
- ``wire``: packet header, JSON codec, password hash.
- ``media``: motion clips and pictures in the Xiongmai container.
- ``control``: the HTTP control API; ``__main__``: the command line.
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
