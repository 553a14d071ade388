"""Diagnostics: device, options, connection statistics and alarm pictures, secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .runtime import DvripConfigEntry

# The serial identifies the camera's owner in the vendor cloud; the hash logs in like a password,
# and the user name is half of the login.
TO_REDACT = {
    CONF_PASSWORD,
    CONF_USERNAME,
    "UserName",
    "password_hash",
    "PassWord",
    "serial",
    "serial_number",
    "SerialNo",
    "unique_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: DvripConfigEntry
) -> dict[str, Any]:
    """What support needs to understand a camera that misbehaves."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    to_redact = set(TO_REDACT)
    if entry.title == entry.unique_id:
        to_redact.add("title")
    return async_redact_data(
        {
            "entry": entry.as_dict(),
            "device": asdict(coordinator.device),
            "coordinator": coordinator.as_dict(),
            "pictures": runtime.pictures.as_dict() if runtime.pictures else None,
            "detection_settings": {
                str(detection): {
                    f"channel {channel + 1}": section for channel, section in sections.items()
                }
                for detection, sections in runtime.detection.data.sections.items()
            },
            "storage": (
                {**asdict(status), "state": str(status.state)}
                if (status := runtime.storage.data) is not None
                else None
            ),
            "ptz": runtime.ptz.as_dict() if runtime.ptz else None,
            "lighting": runtime.lighting.as_dict() if runtime.lighting else None,
        },
        to_redact,
    )
