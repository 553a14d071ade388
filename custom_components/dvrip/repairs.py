"""The repair issues of a camera entry, what raises them from the camera's settings, and the
fix flows of those a user can fix here (the camera's clock, motion detection that is off).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import issue_registry as ir

from .client import Detection, DvripError, StorageState, StorageStatus, detection_problems
from .const import CONF_KEEP_CLOCK, DOMAIN, LOGGER


class Issue(StrEnum):
    """The repair issues of an entry (their translation keys)."""

    DETECTION_DISABLED = "detection_disabled"
    UPLOAD_DISABLED = "upload_disabled"
    PUSH_MISSING = "push_missing"
    ACCOUNT_LOCKED = "account_locked"
    WRONG_DEVICE = "wrong_device"
    CLOCK_WRONG = "clock_wrong"
    STORAGE_MISSING = "storage_missing"
    STORAGE_FULL = "storage_full"
    STORAGE_FAILING = "storage_failing"


# The issues a user can fix from the repairs dashboard.
FIXABLE_ISSUES = frozenset({Issue.CLOCK_WRONG, Issue.DETECTION_DISABLED})


@callback
def async_raise_issue(
    hass: HomeAssistant, entry: ConfigEntry, issue: str, **placeholders: str
) -> None:
    """Raise one of an entry's repair issues (its title is the `name` placeholder)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{issue}_{entry.entry_id}",
        is_fixable=issue in FIXABLE_ISSUES,
        data={"entry_id": entry.entry_id},
        severity=ir.IssueSeverity.WARNING,
        translation_key=issue,
        translation_placeholders={"name": entry.title, **placeholders},
    )


@callback
def async_clear_issue(hass: HomeAssistant, entry: ConfigEntry, issue: str) -> None:
    ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry.entry_id}")


@callback
def async_has_issue(hass: HomeAssistant, entry: ConfigEntry, issue: str) -> bool:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{issue}_{entry.entry_id}") is not None


@callback
def async_update_issue(
    hass: HomeAssistant, entry: ConfigEntry, issue: str, raised: bool, **placeholders: str
) -> None:
    """Raise `issue` (with these placeholders), or clear it."""
    if raised:
        async_raise_issue(hass, entry, issue, **placeholders)
    else:
        async_clear_issue(hass, entry, issue)


@callback
def async_update_locked_issue(hass: HomeAssistant, entry: ConfigEntry, *, locked: bool) -> None:
    """Say (or stop saying) that the camera has locked the account."""
    async_update_issue(hass, entry, Issue.ACCOUNT_LOCKED, locked, host=entry.data[CONF_HOST])


def delete_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove this entry's repair issues (when the entry is removed)."""
    for issue in Issue:
        async_clear_issue(hass, entry, issue)


@callback
def async_update_detection_issues(
    hass: HomeAssistant, entry: ConfigEntry, config: list[Any], channels: Sequence[int]
) -> None:
    """Raise (or clear) the issues of motion detection or alarm upload being off on one of
    `channels` (from 0: those with a camera; a recorder's empty ones are never named).

    `config`: each channel's `Detect.MotionDetect` section as read (None where not read).
    """
    for issue, problems in zip(
        (Issue.DETECTION_DISABLED, Issue.UPLOAD_DISABLED),
        detection_problems(config, max(channels, default=0) + 1),
        strict=True,
    ):
        # detection_problems counts channels from 1.
        found = [channel for channel in problems if channel - 1 in channels]
        channel_list = ", ".join(str(channel) for channel in found)
        async_update_issue(hass, entry, issue, bool(found), channels=channel_list)


# What each storage state raises; an overwritten full card records on and raises nothing.
_STORAGE_ISSUES = {
    StorageState.MISSING: Issue.STORAGE_MISSING,
    StorageState.FAILING: Issue.STORAGE_FAILING,
    StorageState.FULL: Issue.STORAGE_FULL,
}


@callback
def async_update_storage_issues(
    hass: HomeAssistant, entry: ConfigEntry, status: StorageStatus
) -> None:
    """Say when the card is missing, failing, or full and set to stop recording: the alarm
    pictures come from its recordings.
    """
    state = status.state
    for problem, issue in _STORAGE_ISSUES.items():
        raised = state is problem and (problem is not StorageState.FULL or status.stops_recording)
        async_update_issue(hass, entry, issue, raised)


class _CameraFixFlow(RepairsFlow):
    """A fix that asks for a confirmation, then acts on the camera of a loaded entry."""

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> FlowResult:
        return await self.async_step_confirm()

    async def async_step_confirm(self, user_input: dict[str, str] | None = None) -> FlowResult:
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        return await self._async_confirm(entry, user_input)

    async def _async_confirm(
        self, entry: ConfigEntry[Any], user_input: dict[str, str] | None
    ) -> FlowResult:
        raise NotImplementedError


class ClockFixFlow(_CameraFixFlow):
    """Keep the camera's clock right: set it now, and at each connect and daily from now on."""

    async def _async_confirm(
        self, entry: ConfigEntry[Any], user_input: dict[str, str] | None
    ) -> FlowResult:
        coordinator = entry.runtime_data.coordinator
        if user_input is None:
            return self.async_show_form(
                step_id="confirm",
                description_placeholders={"name": entry.title, **coordinator.clock_readings()},
            )
        try:
            await coordinator.async_set_clock()
        except DvripError as err:
            LOGGER.warning("Cannot set the clock of %s: %s", entry.title, err)
            return self.async_abort(reason="cannot_set_clock")
        # The option keeps it right (the entry reloads, and sets it again at the connect).
        self.hass.config_entries.async_update_entry(
            entry, options={**entry.options, CONF_KEEP_CLOCK: True}
        )
        return self.async_create_entry(data={})


class DetectionFixFlow(_CameraFixFlow):
    """Turn motion detection on, on the channels where it is off."""

    async def _async_confirm(
        self, entry: ConfigEntry[Any], user_input: dict[str, str] | None
    ) -> FlowResult:
        coordinator = entry.runtime_data.coordinator
        disabled, _ = detection_problems(coordinator.detection_config, coordinator.channels)
        channels = [
            channel - 1 for channel in disabled if channel - 1 in coordinator.active_channels
        ]
        if user_input is None:
            return self.async_show_form(
                step_id="confirm",
                description_placeholders={
                    "name": entry.title,
                    "channels": ", ".join(str(channel + 1) for channel in channels),
                },
            )
        settings = entry.runtime_data.detection
        try:
            for channel in channels:
                await settings.async_switch(Detection.MOTION, channel, enabled=True)
        except DvripError as err:
            LOGGER.warning("Cannot turn on motion detection of %s: %s", entry.title, err)
            return self.async_abort(reason="cannot_switch_detection")
        if async_has_issue(self.hass, entry, Issue.DETECTION_DISABLED):
            # The camera answered, but reads back what it had.
            return self.async_abort(reason="detection_unchanged")
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of a fixable issue: the camera's clock, or motion detection."""
    entry_id = str((data or {}).get("entry_id"))
    if issue_id.startswith(Issue.DETECTION_DISABLED):
        return DetectionFixFlow(entry_id)
    return ClockFixFlow(entry_id)
