"""Config flow: find or add a camera, log in again, move it to a new address."""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
from typing import Any, NamedTuple

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.typing import DiscoveryInfoType
import voluptuous as vol

from . import discovery
from .client import DEFAULT_PORT, DeviceInfo, DiscoveredDevice, DvripError
from .const import (
    DEFAULT_USERNAME,
    DOMAIN,
    LOGGER,
)
from .naming import address_name, device_title, own_name
from .options_flow import PORT_SELECTOR, DvripOptionsFlow
from .runtime import DvripConfigEntry
from .session import create_client, error_key

# The network settings: their MAC names a device that reports no serial number.
NETWORK_CONFIG = "NetWork.NetCommon"
# The field of the pick step: which of the cameras found.
CONF_DEVICE = "device"

_PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _user_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
            vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)): PORT_SELECTOR,
            vol.Required(CONF_USERNAME, default=defaults.get(CONF_USERNAME, DEFAULT_USERNAME)): str,
            vol.Optional(CONF_PASSWORD, default=""): _PASSWORD_SELECTOR,
        }
    )


class FoundDevice(NamedTuple):
    """What logging in to a device told: its info, its identity and its own name."""

    device: DeviceInfo
    identity: str | None
    name: str | None


async def _async_read_device(data: Mapping[str, Any]) -> FoundDevice:
    """Log in and read the device, its name and its identity: the serial (SystemInfo), else
    the MAC address of its network settings (no DHCP lease changes it), else None.

    Only the login must be answered: a device that ignores the other requests is described
    by its login, and named by its address. Client errors of the login propagate.
    """
    client = create_client(data)
    try:
        await client.connect()
        device = await client.get_device_info()
        name = await client.get_device_name()
        if device.serial:
            return FoundDevice(device, device.serial, name)
        network = await client.get_optional_config(NETWORK_CONFIG)
        mac = network.get("MAC") if isinstance(network, dict) else None
        if not isinstance(mac, str) or len(mac.replace(":", "").replace("-", "")) != 12:
            return FoundDevice(device, None, name)
        return FoundDevice(device, format_mac(mac), name)
    finally:
        await client.close()


async def _async_try_read_device(
    data: Mapping[str, Any], errors: dict[str, str]
) -> FoundDevice | None:
    """The device, its identity and name, or None with the reason in `errors["base"]`."""
    try:
        return await _async_read_device(data)
    except DvripError as err:
        LOGGER.debug("Cannot log in to %s: %s", data[CONF_HOST], err)
        errors["base"] = error_key(err)
    except Exception:
        LOGGER.exception("Unexpected error logging in to %s", data[CONF_HOST])
        errors["base"] = "unknown"
    return None


def _login_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_USERNAME, default=DEFAULT_USERNAME): str,
            vol.Optional(CONF_PASSWORD, default=""): _PASSWORD_SELECTOR,
        }
    )


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


def _entry_stays(entry: ConfigEntry, host: str, port: int) -> bool:
    """Whether a known camera found at `host`:`port` keeps its entry's address anyway.

    It does while connected (the search reply may come from a second network path), and
    when its host is a name the user typed (that name follows the camera by itself).
    """
    if entry.source == SOURCE_IGNORE or CONF_HOST not in entry.data:
        return True
    if (entry.data[CONF_HOST], entry.data[CONF_PORT]) == (host, port):
        return True
    try:
        ipaddress.ip_address(entry.data[CONF_HOST])
    except ValueError:
        return True
    return entry.state is ConfigEntryState.LOADED and entry.runtime_data.coordinator.available


class DvripConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a DVRIP camera or recorder."""

    # 2: options without the alarm kinds and the polling interval (see `migration`).
    VERSION = 2

    def __init__(self) -> None:
        # Cameras found by the search at the user step, by identity, not yet configured.
        self._found: dict[str, DiscoveredDevice] = {}
        # The camera a discovery (or a pick from the found ones) is about.
        self._discovered: dict[str, Any] = {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the cameras found on the network, if any; else ask for the address."""
        if user_input is None:
            configured = self._async_current_ids(include_ignore=False)
            self._found = {
                found_id: device
                for device in await discovery.async_scan()
                if (found_id := device.identity) and found_id not in configured
            }
            if self._found:
                return self.async_show_menu(step_id="user", menu_options=["pick", "manual"])
        return await self.async_step_manual(user_input)

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the address and the login."""
        errors: dict[str, str] = {}
        if user_input is not None:
            found = await _async_try_read_device(user_input, errors)
            if found is not None:
                return await self._async_create_or_update(found, user_input)
        return self.async_show_form(
            # "user" when nothing was found: the form is then the first step.
            step_id="manual" if self._found else "user",
            data_schema=self.add_suggested_values_to_schema(_user_schema({}), user_input),
            errors=errors,
        )

    async def async_step_pick(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose one of the cameras found; its login is asked next."""
        if user_input is not None:
            device = self._found[user_input[CONF_DEVICE]]
            return await self.async_step_integration_discovery(discovery.flow_data(device))
        options = [
            SelectOptionDict(value=found_id, label=_found_label(device))
            for found_id, device in self._found.items()
        ]
        return self.async_show_form(
            step_id="pick",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_DEVICE): SelectSelector(
                        SelectSelectorConfig(options=options, mode=SelectSelectorMode.LIST)
                    )
                }
            ),
        )

    async def async_step_integration_discovery(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """A device answered the search: move a known camera, or offer to add a new one."""
        host = str(discovery_info[CONF_HOST])
        port = int(discovery_info[CONF_PORT])
        found_id = discovery_info.get(discovery.ATTR_IDENTITY)
        if not found_id:
            return self.async_abort(reason="no_identity")
        if (entry := await self.async_set_unique_id(found_id)) is not None:
            return await self._async_move_found(entry, host, port)
        name = own_name(discovery_info.get(discovery.ATTR_NAME))
        model = discovery_info.get(discovery.ATTR_MODEL)
        self._discovered = {CONF_HOST: host, CONF_PORT: port}
        self.context["title_placeholders"] = {
            "name": name or model or address_name(host, port),
            "host": host,
        }
        return await self.async_step_discovery_confirm()

    async def _async_move_found(self, entry: ConfigEntry, host: str, port: int) -> ConfigFlowResult:
        """A known camera answered the search: its entry moves (and reloads) only once a login
        at the new address finds the same camera; see `_entry_stays` for when it never does.
        """
        if _entry_stays(entry, host, port):
            self._abort_if_unique_id_configured()
        data = {**entry.data, CONF_HOST: host, CONF_PORT: port}
        errors: dict[str, str] = {}
        found = await _async_try_read_device(data, errors)
        if found is None or found.identity != entry.unique_id:
            # The search reply names another device, or one that does not take the login.
            return self.async_abort(reason="already_configured")
        if self.hass.config_entries.async_update_entry(entry, data=data) and entry.state in (
            ConfigEntryState.LOADED,
            ConfigEntryState.SETUP_RETRY,
        ):
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(reason="already_configured")

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the login of the camera found."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**self._discovered, **user_input}
            found = await _async_try_read_device(data, errors)
            if found is not None:
                return await self._async_create_or_update(found, data)
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=self.add_suggested_values_to_schema(_login_schema(), user_input),
            description_placeholders=dict(self.context.get("title_placeholders", {})),
            errors=errors,
        )

    async def _async_create_or_update(
        self, found: FoundDevice, data: dict[str, Any]
    ) -> ConfigFlowResult:
        """Add the camera logged in to, titled with its own name; a known one moves instead."""
        identity = found.identity or self.unique_id
        if identity is None:
            # An address is no identity: the entry would break at the next lease. A camera
            # found by the search keeps the identity its search reply gave.
            return self.async_abort(reason="no_identity")
        # The login's identity is the one that counts (a search reply may lack the serial).
        entry = await self.async_set_unique_id(identity, raise_on_progress=False)
        # A found camera that turns out to be a known one moves only as the search's do.
        if entry and self._discovered and _entry_stays(entry, data[CONF_HOST], data[CONF_PORT]):
            self._abort_if_unique_id_configured()
        # The same camera at a new address: move the entry rather than add another.
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: data[CONF_HOST], CONF_PORT: data[CONF_PORT]}
        )
        title = device_title(found.name, data[CONF_HOST], data[CONF_PORT])
        return self.async_create_entry(title=title, data=data)

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
        identity = found.identity
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
                    vol.Required(CONF_PORT, default=entry.data[CONF_PORT]): PORT_SELECTOR,
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


def _found_label(device: DiscoveredDevice) -> str:
    """How a found camera is listed: its name (or model), and its address."""
    name = own_name(device.name) or device.model
    address = address_name(device.host, device.port)
    return f"{name} ({address})" if name else address
