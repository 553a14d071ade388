"""The simulated device, whole but for its sockets, and what a request handler sees of it.

`Device` puts together the modules that make the device: its state (state.py), what it says
about itself (facts.py), its users and login sessions (accounts.py), its recordings
(recorder.py), its alarms (alarms.py) and its faults (faults.py), with the feature models
(ptz.py, lighting.py, detection.py, storage.py), made here. camera.py adds the sockets.

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
from simulator.lighting import Lighting
from simulator.link import Link
from simulator.monitor import LiveStreams
from simulator.ptz import PtzHeads
from simulator.storage import Storage
from simulator.talk import Speaker


class Device(DeviceFacts, Accounts, Alarms, Faults):
    """A Xiongmai camera or recorder: its state and behaviour, without the network."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        super().__init__(config)
        # The feature models, one module each.
        self.storage = Storage()
        # Each channel's PTZ head (OPPTZControl), and what it was asked.
        self.ptz = PtzHeads(
            self.channels,
            has_head=self.profile.ptz,
            notify=self.notify,
            wait_for=self.wait_for,
        )
        self.lighting = Lighting(
            channels=self.channels,
            has_siren=self.profile.siren,
            has_white_light=self.profile.white_light,
        )
        # Detect.MotionDetect and Detect.HumanDetection as config sections.
        self.detection = DetectionSections(self, self.channels)
        # Live video (OPMonitor) of each connection.
        self.live = LiveStreams(self, self.notify)
        # The speaker (OPTalk), and every talk it played.
        self.speaker = Speaker(self.profile.speaker, self.notify)


class Requester(Link, Protocol):
    """The connection a request came on, and the device it belongs to."""

    camera: Device
