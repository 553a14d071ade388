"""What differs between the Home Assistant releases this integration runs on, in one place.

The oldest supported release is 2025.4; the newest tested is in docs/devices.md. Each name here
uses the newer API where the running release has it and the older one otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant import config_entries
from homeassistant.config_entries import OptionsFlow
from homeassistant.helpers.device_registry import DeviceEntry, DeviceInfo

if TYPE_CHECKING:
    OptionsFlowBase = OptionsFlow
else:
    # Newer releases reload the entry when an options flow of this kind changes the options,
    # warn about an update listener used for that (it stops working in 2026.12) and refuse
    # one next to this class. 2025.4 has no such class: there an update listener reloads.
    OptionsFlowBase = getattr(config_entries, "OptionsFlowWithReload", OptionsFlow)

OPTIONS_FLOW_RELOADS: Final[bool] = OptionsFlowBase is not OptionsFlow

# Newer releases link a device to the one it is reached through by that device's registry id
# (`via_device_id`; `via_device`, by identifier, is deprecated, to stop working in 2027.8);
# 2025.4 has only `via_device`.
VIA_DEVICE_ID: Final[bool] = "via_device_id" in DeviceInfo.__annotations__


def device_config_entry_ids(device: DeviceEntry) -> set[str]:
    """The config entries a device belongs to.

    Since 2026.8 a device belongs to one config entry (`config_entry_id`), and reading
    `config_entries` is deprecated; 2025.4 has only `config_entries`.
    """
    entry_id: str | None = getattr(device, "config_entry_id", None)
    if entry_id is not None:
        return {entry_id}
    return set(device.config_entries)
