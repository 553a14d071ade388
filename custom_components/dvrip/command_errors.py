"""A control the camera refuses or leaves unanswered, as the error Home Assistant shows."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError

from .client import DvripCommandError, DvripError, DvripTimeoutError
from .const import DOMAIN


def command_error(err: DvripError, name: str) -> HomeAssistantError:
    """The translated error of a control of the camera `name` that did not go through.

    A refusal (the camera's Ret, e.g. 107: no permission), no answer in time (the session
    stays), or the connection gone.
    """
    if isinstance(err, DvripCommandError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_refused",
            translation_placeholders={"name": name, "ret": str(err.ret)},
        )
    key = "command_unanswered" if isinstance(err, DvripTimeoutError) else "command_failed"
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"name": name, "error": str(err)},
    )


def camera_unavailable(name: str) -> HomeAssistantError:
    """The camera is not connected now: nothing was sent."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="camera_unavailable",
        translation_placeholders={"name": name},
    )
