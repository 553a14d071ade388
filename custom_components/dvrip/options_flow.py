"""Options flow: the options in sections, the alarm centre's port only when it is on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from .const import (
    CONF_ALARM_CENTRE,
    CONF_ALARM_CENTRE_PORT,
    CONF_CLIP_BUDGET_MB,
    CONF_EXPORT_RETENTION_DAYS,
    CONF_HISTORY_HOURS,
    CONF_KEEP_CLOCK,
    CONF_LIVE_STREAM,
    CONF_OFF_DELAY,
    CONF_PICTURE_MODE,
    LiveStream,
    PictureMode,
    option,
)
from .ha_versions import OptionsFlowBase

PORT_SELECTOR = vol.All(
    NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)),
    vol.Coerce(int),
)


# The options form's sections and the options in each; stored flat, without the sections.
OPTION_SECTIONS: dict[str, tuple[str, ...]] = {
    "alarms": (CONF_OFF_DELAY, CONF_KEEP_CLOCK),
    "pictures": (
        CONF_PICTURE_MODE,
        CONF_HISTORY_HOURS,
        CONF_EXPORT_RETENTION_DAYS,
        CONF_CLIP_BUDGET_MB,
    ),
    "streaming": (CONF_LIVE_STREAM,),
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
            CONF_KEEP_CLOCK: BooleanSelector(),
            CONF_PICTURE_MODE: _choice(CONF_PICTURE_MODE, PictureMode),
            CONF_HISTORY_HOURS: _whole_number(1, 720, "h"),
            CONF_EXPORT_RETENTION_DAYS: _whole_number(1, 3650, "d"),
            CONF_CLIP_BUDGET_MB: _whole_number(0, 1_000_000, "MB"),
            CONF_LIVE_STREAM: _choice(CONF_LIVE_STREAM, LiveStream),
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
                {vol.Required(CONF_ALARM_CENTRE_PORT, default=port): PORT_SELECTOR}
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
