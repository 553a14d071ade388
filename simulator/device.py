"""The simulated device, whole but for its sockets, and what a request handler sees of it.

`Device` puts together the modules that make the device: its state (state.py), what it says
about itself (facts.py), its users and login sessions (accounts.py), its recordings
(recorder.py), its alarms (alarms.py) and its faults (faults.py), with the feature models
(ptz.py, lighting.py, detection.py, storage.py). camera.py adds the sockets.

The request handlers (session.py, answers.py, download.py, machine.py) get a `Requester`:
the connection the request came on, with the device it belongs to.
"""

from __future__ import annotations

from typing import Protocol

from simulator.accounts import Accounts
from simulator.alarms import Alarms
from simulator.config import SimulatorConfig
from simulator.detection import DetectionSections
from simulator.facts import DeviceFacts
from simulator.faults import Faults
from simulator.link import Link


class Device(DeviceFacts, Accounts, Alarms, Faults):
    """A Xiongmai camera or recorder: its state and behaviour, without the network."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        super().__init__(config)
        # Detect.MotionDetect and Detect.HumanDetection as config sections.
        self.detection = DetectionSections(self, self.channels)


class Requester(Link, Protocol):
    """The connection a request came on, and the device it belongs to."""

    camera: Device
