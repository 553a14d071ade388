"""What a camera, a recorder and a recorder's channel are called, and by which device ids.

A device's own name (General.General MachineName) names its entry and its device; one
without a name (or with the factory's) is named by its address, never by its model: two
cameras of one model would otherwise share a name, and their entity ids would collide.
A recorder's channels are devices of their own, named from the titles the recorder gives
them (AVEnc.ChannelTitle), so each can go in its own area.
"""

from __future__ import annotations

from collections.abc import Sequence

from .client import DEFAULT_PORT

# The name a device carries until someone names it: MachineName is "LocalHost" on a camera
# never named (python-dvr's README, `get_general_info()`), as is the HostName of its network
# settings and of its search answer. Compared without case.
PLACEHOLDER_NAMES = frozenset({"localhost"})


def own_name(name: str | None) -> str | None:
    """The device's own name, or None when it has none (or only the factory's)."""
    if name is None:
        return None
    name = name.strip()
    if not name or name.casefold() in PLACEHOLDER_NAMES:
        return None
    return name


def address_name(host: str, port: int) -> str:
    """An address as a name: the host, with the port only when it is not the usual one."""
    return host if port == DEFAULT_PORT else f"{host}:{port}"


def device_title(name: str | None, host: str, port: int) -> str:
    """The entry's title and the device's name: its own name, else its address."""
    return own_name(name) or address_name(host, port)


def channel_title(titles: Sequence[str], channel: int) -> str | None:
    """The title the recorder gives a channel (from 0), or None when it gives none."""
    if 0 <= channel < len(titles):
        title = titles[channel].strip()
        if title:
            return title
    return None


def channel_device_id(unique_id: str, channel: int) -> str:
    """The identifier of a recorder channel's device; channels count from 1, as on screen."""
    return f"{unique_id}_channel_{channel + 1}"


def channel_of_unique_id(unique_id: str, entity_unique_id: str) -> int | None:
    """The channel (from 0) of an entity's unique id, `{unique_id}_{channel}_{key}`, or None
    for the camera's own entities (`{unique_id}_{key}`).
    """
    channel, separator, key = entity_unique_id.removeprefix(f"{unique_id}_").partition("_")
    if not entity_unique_id.startswith(f"{unique_id}_") or not separator or not key:
        return None
    return int(channel) if channel.isdigit() else None
