"""What the device says about itself: its name, channels, network settings, abilities,
motion detection settings and work state, and the answer to the device search.

Each is built from the device's state as the firmware writes it (see the README's source
table for where each field comes from).
"""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
from typing import Any

from simulator.config import MOTION_EVENTS, FaultKind, MotionDetection
from simulator.profiles import KNOWN_ALARM_FUNCTIONS
from simulator.quirks import Quirk
from simulator.state import DeviceState
from simulator.wire import host_ip_text, session_text


class DeviceFacts(DeviceState):
    """The device's configurations that describe it, as its requests read them."""

    def session_text(self, session_id: int) -> str:
        """A session id as this firmware writes it in JSON."""
        if self.has(Quirk.BARE_SESSION_ID):
            return f"{session_id:08X}"
        return session_text(session_id)

    def channel_statuses(self) -> list[dict[str, Any]]:
        """NetWork.ChnStatus: which channels have a camera behind them."""
        return [
            {
                "ChnName": f"Channel {channel + 1}" if channel < self.camera_channels else "",
                "Status": "Connected" if channel < self.camera_channels else "NoConfig",
            }
            for channel in range(self.channels)
        ]

    def net_common(self) -> dict[str, Any]:
        """`NetWork.NetCommon`: the network settings, of which clients read the MAC."""
        return {
            "HostName": "LocalHost",
            "HostIP": "0x0100007F",
            "Submask": "0x00FFFFFF",
            "GateWay": "0x0100007F",
            "HttpPort": 80,
            "TCPPort": self.port,
            "MAC": self.config.mac,
            "MaxBps": 0,
            "TransferPlan": "Quality",
            "UseHSDownLoad": False,
        }

    @property
    def device_name(self) -> str:
        return self._device_name

    def set_device_name(self, name: str) -> None:
        """Rename the device (General.General's MachineName; "" leaves it without one)."""
        if not isinstance(name, str):
            raise TypeError("name must be a string")
        self._device_name = name
        self._notify()

    def channel_titles(self) -> list[str] | None:
        """ChannelTitle: one title per announced channel ("" past those given); None: refused."""
        if self._channel_titles is None:
            return None
        given = self._channel_titles[: self.channels]
        return given + [""] * (self.channels - len(given))

    def set_channel_titles(self, titles: list[str] | tuple[str, ...] | None) -> None:
        """New channel titles; None makes the camera refuse ChannelTitle."""
        if titles is not None and (
            not isinstance(titles, list | tuple)
            or not all(isinstance(title, str) for title in titles)
        ):
            raise ValueError("titles must be a list of strings or null")
        self._channel_titles = None if titles is None else list(titles)
        self._notify()

    def general_config(self) -> dict[str, Any]:
        """General.General, as python-dvr's get_general_info() shows it."""
        return {
            "AutoLogout": 0,
            "FontSize": 24,
            "LocalNo": 0,
            "MachineName": self._device_name,
            "OverWrite": self.storage.overwrite_setting,
            "ScreenAutoShutdown": 10,
            "ScreenSaveTime": 0,
            "VideoOutPut": "Auto",
        }

    def system_function(self) -> dict[str, Any] | None:
        """SystemFunction (message 1360); None when this firmware refuses it."""
        functions = self.profile.alarm_functions
        if functions is None:
            return None
        names = sorted(set(KNOWN_ALARM_FUNCTIONS) | functions)
        return {
            "AlarmFunction": {name: name in functions for name in names},
            "EncodeFunction": {"DoubleStream": True, "SnapStream": self.profile.snapshot},
            "NetServerFunction": {"NetDHCP": True, "NetNTP": True, "NetRTSP": True},
            "OtherFunction": {
                "SupportCameraWhiteLight": self.profile.white_light,
                "SupportNVR": self.profile.device_type == "NVR",
                **dict.fromkeys(sorted(self.profile.other_functions), True),
            },
            "PreviewFunction": {"Talk": self.profile.speaker, "Tour": False},
        }

    def motion_config(self) -> list[dict[str, Any]]:
        """Detect.MotionDetect as the camera reports it, one object per channel."""
        return [
            {
                "Enable": motion.enabled,
                "Level": 3,
                "Region": ["0x003FFFFF"] * 18,
                "EventHandler": {
                    "AlarmOutEnable": False,
                    "AlarmOutLatch": 10,
                    "EventLatch": 1,
                    "MailEnable": False,
                    "MessageEnable": motion.upload,
                    "RecordEnable": True,
                    "RecordLatch": 30,
                    "SnapEnable": True,
                    "SnapShotTimes": 1,
                    "VoiceEnable": False,
                },
            }
            for motion in self._motion
        ]

    def apply_motion_config(self, channel: int, config: Mapping[str, Any]) -> None:
        """A config set (1040) of one channel's Detect.MotionDetect."""
        enabled = config.get("Enable")
        handler = config.get("EventHandler")
        upload = handler.get("MessageEnable") if isinstance(handler, Mapping) else None
        self.set_motion_detection(
            enabled if isinstance(enabled, bool) else None,
            channel=channel,
            upload=upload if isinstance(upload, bool) else None,
        )

    def set_motion_detection(
        self, enabled: bool | None = None, channel: int | None = None, upload: bool | None = None
    ) -> None:
        """Switch motion detection and/or its alarm upload, for one channel or all."""
        channels = (
            range(self.camera_channels) if channel is None else [self._check_channel(channel)]
        )
        for number in channels:
            if enabled is not None:
                self._motion[number].enabled = enabled
            if upload is not None:
                self._motion[number].upload = upload
        self._notify()

    def motion_detection(self, channel: int = 0) -> MotionDetection:
        motion = self._motion[self._check_channel(channel)]
        return MotionDetection(motion.enabled, motion.upload)

    def work_state(self) -> dict[str, Any]:
        motion_mask = 0
        for channel, event in self._active_alarms:
            if event in MOTION_EVENTS:
                motion_mask |= 1 << channel
        return {
            "AlarmState": {
                "AlarmSwitch": "0x00000000",
                "LocalAlarm": "0x00000000",
                "VideoBlind": "0x00000000",
                "VideoLoss": "0x00000000",
                "VideoMotion": f"0x{motion_mask:08X}",
            },
            "ChannelState": [{"Bitrate": 512, "Record": True} for _ in range(self.channels)],
        }

    def count_search(self) -> None:
        self._counters.searches += 1
        self._notify()

    def answers_search(self) -> bool:
        """Whether a search gets an answer now (not when switched off, down or silent)."""
        return (
            self._running
            and self._discovery_answers
            and self._fault not in (FaultKind.DISCONNECT, FaultKind.REBOOT)
            and not self.silenced
        )

    def search_answer(self) -> dict[str, Any]:
        """NetWork.NetCommon as the search answer carries it."""
        return {
            **self.net_common(),
            "HostIP": host_ip_text(self._discovery_reply_host),
            "TCPPort": self.discovery_tcp_port,
            "SN": self.config.serial,
            "ChannelNum": self.channels,
            "DeviceType": 1,
            "MonMode": "TCP",
            "SSLPort": 8443,
            "TCPMaxConn": 10,
            "UDPPort": 34568,
        }

    @property
    def discovery_tcp_port(self) -> int:
        """The DVRIP port the search answer names."""
        return self.port if self._discovery_tcp_port is None else self._discovery_tcp_port

    def set_discovery(
        self,
        *,
        enabled: bool | None = None,
        host: str | None = None,
        tcp_port: int | None = None,
        reset_tcp_port: bool = False,
    ) -> None:
        """Change the search answer: on/off, the HostIP and TCPPort it names."""
        if enabled is not None:
            self._discovery_answers = bool(enabled)
        if host is not None:
            try:
                self._discovery_reply_host = str(ipaddress.IPv4Address(host))
            except ValueError:
                raise ValueError(f"host must be an IPv4 address, not {host!r}") from None
        if reset_tcp_port:
            self._discovery_tcp_port = None
        elif tcp_port is not None:
            if isinstance(tcp_port, bool) or not isinstance(tcp_port, int):
                raise ValueError("tcp_port must be an integer")
            if not 0 < tcp_port < 65536:
                raise ValueError("tcp_port must be between 1 and 65535")
            self._discovery_tcp_port = tcp_port
        self._notify()

    def discovery_state(self) -> dict[str, Any]:
        return {
            "enabled": self._discovery_answers,
            "port": self._discovery_port,
            "host": self._discovery_reply_host,
            "tcp_port": self.discovery_tcp_port,
            "mac": self.config.mac,
            "serial": self.config.serial,
        }
