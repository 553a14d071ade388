"""Config flow: add a camera, reauthenticate, change its address, and set options."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .client import DEFAULT_PORT, DeviceInfo, DvripCommandError, DvripError
from .const import (
    CONF_ALARM_CENTRE,
    CONF_ALARM_CENTRE_PORT,
    CONF_EXPORT_RETENTION_DAYS,
    CONF_HISTORY_HOURS,
    CONF_OFF_DELAY,
    CONF_PICTURE_MODE,
    CONF_RTSP_STREAM,
    DEFAULT_USERNAME,
    DOMAIN,
    LOGGER,
    PictureMode,
    option,
)
from .coordinator import DvripConfigEntry
from .ha_versions import OptionsFlowBase
from .session import create_client, error_key

# The network settings: their MAC names a device that reports no serial number.
NETWORK_CONFIG = "NetWork.NetCommon"

_PORT_SELECTOR = vol.All(
    NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)),
    vol.Coerce(int),
)
_PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _user_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
            vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)): _PORT_SELECTOR,
            vol.Required(CONF_USERNAME, default=defaults.get(CONF_USERNAME, DEFAULT_USERNAME)): str,
            vol.Optional(CONF_PASSWORD, default=""): _PASSWORD_SELECTOR,
        }
    )


async def _async_read_device(data: Mapping[str, Any]) -> tuple[DeviceInfo, str | None]:
    """Log in and read the device and its identity: the serial, else the MAC address of its
    network settings (no DHCP lease changes it), else None. Client errors propagate.
    """
    client = create_client(data)
    try:
        await client.connect()
        device = await client.get_device_info()
        if device.serial:
            return device, device.serial
        try:
            network = await client.get_config(NETWORK_CONFIG)
        except DvripCommandError as err:
            LOGGER.debug("%s has no %s: %s", data[CONF_HOST], NETWORK_CONFIG, err)
            return device, None
        mac = network.get("MAC") if isinstance(network, dict) else None
        if not isinstance(mac, str) or len(mac.replace(":", "").replace("-", "")) != 12:
            return device, None
        return device, format_mac(mac)
    finally:
        await client.close()


async def _async_try_read_device(
    data: Mapping[str, Any], errors: dict[str, str]
) -> tuple[DeviceInfo, str | None] | None:
    """The device and its identity, or None with the reason in `errors["base"]`."""
    try:
        device, identity = await _async_read_device(data)
    except DvripError as err:
        LOGGER.debug("Cannot log in to %s: %s", data[CONF_HOST], err)
        errors["base"] = error_key(err)
    except Exception:
        LOGGER.exception("Unexpected error logging in to %s", data[CONF_HOST])
        errors["base"] = "unknown"
    else:
        return device, identity
    return None


def _rename_registered(hass: HomeAssistant, entry: DvripConfigEntry, old: str, new: str) -> None:
    """Move an entry's device and entities from the unique id `old` to `new`, history kept."""
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        if (DOMAIN, old) in device.identifiers:
            devices.async_update_device(device.id, new_identifiers={(DOMAIN, new)})
    entities = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(entities, entry.entry_id):
        if registered.unique_id.startswith(f"{old}_"):
            new_unique_id = new + registered.unique_id.removeprefix(old)
            entities.async_update_entity(registered.entity_id, new_unique_id=new_unique_id)


class DvripConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a DVRIP camera or recorder."""

    # 2: options without the alarm kinds and the polling interval (see `migration`).
    VERSION = 2

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the address and the login."""
        errors: dict[str, str] = {}
        if user_input is not None:
            found = await _async_try_read_device(user_input, errors)
            if found is not None:
                device, identity = found
                if identity is None:
                    # An address is no identity: the entry would break at the next lease.
                    return self.async_abort(reason="no_identity")
                await self.async_set_unique_id(identity)
                # The same camera at a new address: move the entry rather than add another.
                self._abort_if_unique_id_configured(
                    updates={CONF_HOST: user_input[CONF_HOST], CONF_PORT: user_input[CONF_PORT]}
                )
                return self.async_create_entry(title=device.model, data=user_input)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_user_schema({}), user_input),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The camera refused the stored password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the login again."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_update_entry(entry, user_input, errors)
        ):
            return result
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_USERNAME, default=entry.data[CONF_USERNAME]): str,
                    vol.Optional(CONF_PASSWORD, default=""): _PASSWORD_SELECTOR,
                }
            ),
            description_placeholders={"name": entry.title, "host": entry.data[CONF_HOST]},
            errors=errors,
        )

    async def _async_update_entry(
        self, entry: DvripConfigEntry, user_input: dict[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult | None:
        """Check the new login or address reaches the same camera, then save and reload."""
        data = {**entry.data, **user_input}
        found = await _async_try_read_device(data, errors)
        if found is None:
            return None
        identity = found[1]
        if identity is None:
            return self.async_abort(reason="no_identity")
        if entry.unique_id == (address := f"{entry.data[CONF_HOST]}:{entry.data[CONF_PORT]}"):
            # Added by an older version, named by its address for want of a serial number:
            # its MAC names it, its device and its entities from now on.
            _rename_registered(self.hass, entry, address, identity)
            self.hass.config_entries.async_update_entry(entry, unique_id=identity)
        await self.async_set_unique_id(identity)
        self._abort_if_unique_id_mismatch(reason="wrong_device")
        return self.async_update_reload_and_abort(entry, data_updates=user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the camera to a new address or port."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_update_entry(entry, user_input, errors)
        ):
            return result
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_HOST, default=entry.data[CONF_HOST]): str,
                    vol.Required(CONF_PORT, default=entry.data[CONF_PORT]): _PORT_SELECTOR,
                }
            ),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: DvripConfigEntry) -> DvripOptionsFlow:
        """The options of an entry."""
        return DvripOptionsFlow()


# The options form's sections and the options in each; stored flat, without the sections.
OPTION_SECTIONS: dict[str, tuple[str, ...]] = {
    "alarms": (CONF_OFF_DELAY,),
    "pictures": (CONF_PICTURE_MODE, CONF_HISTORY_HOURS, CONF_EXPORT_RETENTION_DAYS),
    "streaming": (CONF_RTSP_STREAM,),
    "alarm_centre": (CONF_ALARM_CENTRE,),
}


class DvripOptionsFlow(OptionsFlowBase):
    """The options in sections; the alarm centre's port in a step of its own, when it is on."""

    def __init__(self) -> None:
        self._options: dict[str, Any] = {}

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the options (the entry reloads to apply them)."""
        options = self.config_entry.options
        if user_input is not None:
            self._options = {
                key: value
                for name in OPTION_SECTIONS
                for key, value in user_input.get(name, {}).items()
            }
            if self._options.get(CONF_ALARM_CENTRE):
                return await self.async_step_alarm_centre()
            # The port is kept for the next time the listener is switched on.
            self._options[CONF_ALARM_CENTRE_PORT] = option(options, CONF_ALARM_CENTRE_PORT)
            return self.async_create_entry(data=self._options)
        selectors: dict[str, Any] = {
            CONF_OFF_DELAY: _whole_number(1, 3600, "s"),
            CONF_PICTURE_MODE: _choice(CONF_PICTURE_MODE, PictureMode),
            CONF_HISTORY_HOURS: _whole_number(1, 720, "h"),
            CONF_EXPORT_RETENTION_DAYS: _whole_number(1, 3650, "d"),
            CONF_RTSP_STREAM: BooleanSelector(),
            CONF_ALARM_CENTRE: BooleanSelector(),
        }
        schema = {
            vol.Required(name): section(
                vol.Schema(
                    {
                        vol.Required(key, default=option(options, key)): selectors[key]
                        for key in keys
                    }
                )
            )
            for name, keys in OPTION_SECTIONS.items()
        }
        return self.async_show_form(step_id="init", data_schema=vol.Schema(schema))

    async def async_step_alarm_centre(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The port the alarm-centre listener takes (only asked when it is switched on)."""
        if user_input is not None:
            return self.async_create_entry(data={**self._options, **user_input})
        port = option(self.config_entry.options, CONF_ALARM_CENTRE_PORT)
        return self.async_show_form(
            step_id="alarm_centre",
            data_schema=vol.Schema(
                {vol.Required(CONF_ALARM_CENTRE_PORT, default=port): _PORT_SELECTOR}
            ),
        )


def _choice(key: str, values: Iterable[str]) -> SelectSelector:
    """A list of choices, translated under `key`."""
    return SelectSelector(
        SelectSelectorConfig(
            options=[str(value) for value in values],
            mode=SelectSelectorMode.DROPDOWN,
            translation_key=key,
        )
    )


def _whole_number(minimum: int, maximum: int, unit: str) -> vol.All:
    """A number box for a whole count of `unit`, stored as an int."""
    config = NumberSelectorConfig(
        min=minimum, max=maximum, step=1, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
    )
    return vol.All(NumberSelector(config), vol.Coerce(int))
