"""The alarm kind table, the motion detection check, and the translation files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custom_components.dvrip.binary_sensor import ALARM_SENSORS
from custom_components.dvrip.client import detection_problems
from custom_components.dvrip.const import (
    ALARM_KIND_BY_EVENT,
    BINARY_SENSOR_KINDS,
    AlarmKind,
    PictureMode,
    alarm_kind,
)
from custom_components.dvrip.options_flow import OPTION_SECTIONS

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "dvrip"


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ("VideoMotion", AlarmKind.MOTION),
        ("HumanDetect", AlarmKind.PERSON),
        ("appEventHumanDetectAlarm", AlarmKind.PERSON),
        ("PersonDetect", AlarmKind.PERSON),
        ("CarShapeDetect", AlarmKind.VEHICLE),
        ("VehicleDetect", AlarmKind.VEHICLE),
        ("FaceDetect", AlarmKind.FACE),
        ("FaceDetection", AlarmKind.FACE),
        ("VideoBlind", AlarmKind.TAMPER),
        ("VideoLoss", AlarmKind.VIDEO_LOSS),
        ("LocalIO", AlarmKind.ALARM_INPUT),
        ("LocalAlarm", AlarmKind.ALARM_INPUT),
        ("NetAlarm", AlarmKind.ALARM_INPUT),
        ("IPCAlarm", AlarmKind.ALARM_INPUT),
        ("StorageNotExist", AlarmKind.STORAGE),
        ("StorrageLowSpace", AlarmKind.STORAGE),
        ("StorageLowSpace", AlarmKind.STORAGE),
        ("StorageFailure", AlarmKind.STORAGE),
        ("StorageFailureReadWrite", AlarmKind.STORAGE),
        (" videomotion ", AlarmKind.MOTION),
        ("NetAbort", AlarmKind.OTHER),
        ("", AlarmKind.OTHER),
    ],
)
def test_alarm_kind(event: str, kind: AlarmKind) -> None:
    assert alarm_kind(event) is kind


def test_every_sensor_kind_has_one_description() -> None:
    assert [description.kind for description in ALARM_SENSORS] == list(BINARY_SENSOR_KINDS)
    assert set(ALARM_KIND_BY_EVENT.values()) <= set(AlarmKind)


@pytest.mark.parametrize(
    ("config", "channels", "expected"),
    [
        ([{"Enable": True, "EventHandler": {"MessageEnable": True}}], 1, ([], [])),
        ([{"Enable": False}], 1, ([1], [])),
        ([{"Enable": True, "EventHandler": {"MessageEnable": False}}], 1, ([], [1])),
        ({"Enable": "false"}, 1, ([1], [])),
        ([{"Enable": 1}, {"Enable": 0}, {"Enable": False}], 2, ([2], [])),
        ([None, "junk", {"Enable": True}], 3, ([], [])),
        (None, 1, ([], [])),
    ],
)
def test_detection_problems(
    config: object, channels: int, expected: tuple[list[int], list[int]]
) -> None:
    assert detection_problems(config, channels) == expected


def test_translations_match_strings() -> None:
    strings = (INTEGRATION / "strings.json").read_text(encoding="utf-8")
    assert (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8") == strings


def test_strings_cover_every_key() -> None:
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    config = strings["config"]
    errors = {"cannot_connect", "invalid_auth", "account_locked", "login_refused"}
    errors |= {"unsupported_firmware"}
    errors |= {"timeout", "unknown"}
    assert set(config["error"]) == errors
    assert set(config["abort"]) >= {"already_configured", "reauth_successful", "wrong_device"}
    assert set(strings["exceptions"]) >= (errors - {"unknown"}) | {"wrong_device"}
    for step in config["step"].values():
        assert set(step["data"]) == set(step["data_description"])
    options = strings["options"]["step"]
    assert set(options["init"]["sections"]) == set(OPTION_SECTIONS)
    for name, keys in OPTION_SECTIONS.items():
        section = options["init"]["sections"][name]
        assert section["name"]
        assert set(section["data"]) == set(section["data_description"]) == set(keys)
    port = options["alarm_centre"]
    assert set(port["data"]) == set(port["data_description"]) == {"alarm_centre_port"}
    assert set(strings["selector"]["picture_mode"]["options"]) == {str(m) for m in PictureMode}
    sensors = strings["entity"]["binary_sensor"]
    # Entities are named plainly on their device (a camera, or a recorder's channel).
    assert set(BINARY_SENSOR_KINDS) <= set(sensors)
    named = [entity["name"] for group in strings["entity"].values() for entity in group.values()]
    assert named
    assert not [name for name in named if "{" in name]
    event_types = strings["entity"]["event"]["alarm"]["state_attributes"]["event_type"]["state"]
    assert set(event_types) == {str(kind) for kind in AlarmKind}
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    assert set(icons["entity"]["binary_sensor"]) <= set(sensors)
    assert set(icons["entity"]["event"]) == {"alarm"}
