"""The device's recordings by day: which days have any, and each day's recordings.

Devices have no call for "the days with recordings" that our sources name, so the days come
from OPFileQuery itself (section 6 of the protocol notes): one search from a day's midnight
to the far future returns the oldest recording overlapping it, which names the next day that
has any; the following search starts at the midnight after it. A card with thirty days of
recordings costs thirty-one searches, whatever their number per day, and the 64-entry pages
and the 511-result cap of some firmware never come into it. A day's own list is then one
paged search (`DvripClient.query_files` handles the paging and the odd times).

Times are the camera's clock, which is untrusted (section 12): after a power cut a camera
without a clock battery records in 2000 until its clock is set. Those recordings are real,
so their days are listed as they are named, from 2000 on.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
import re
from typing import Final

from ..client import DvripClient, FileType, RecordFile
from ..client.client import FILE_QUERY_PAGE
from ..client.models import RecordEvent

# Cameras without a clock battery come up in 2000; frame headers end at 2063.
FIRST_DAY: Final = date(2000, 1, 1)
LAST_MOMENT: Final = datetime(2063, 12, 31, 23, 59, 59)  # noqa: DTZ001 - camera clock
# At most this many days are listed (newest kept): a search each, so a bound.
MAX_DAYS: Final = 400

# What a file name's event tag says the recording is, for its title (regular recordings
# say nothing: they are recorded whatever happens).
EVENT_TITLES: Final = {
    RecordEvent.MOTION: "Motion",
    RecordEvent.ALARM: "Alarm input",
    RecordEvent.MANUAL: "Manual",
}

# A recording's token in identifiers and URLs: its file name, base64url without padding.
TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{1,684}")


async def recording_days(
    client: DvripClient, channel: int, *, max_days: int = MAX_DAYS
) -> list[date]:
    """The days (camera clock) with a recording on `channel`, newest first."""
    days: list[date] = []
    cursor = datetime.combine(FIRST_DAY, time())
    while cursor <= LAST_MOMENT:
        # The first page is enough: its oldest entry with a part after the cursor names the
        # day. (A page is one request: `max_files` of a page stops the paging.)
        found = await client.query_files(
            cursor,
            LAST_MOMENT,
            channel=channel,
            file_type=FileType.VIDEO,
            max_files=FILE_QUERY_PAGE,
        )
        if not found:
            break
        inside = [record for record in found if _has_part_from(record, cursor)]
        if not inside:
            # Only recordings that end right at the cursor (an end of "24:00:00").
            cursor += timedelta(seconds=1)
            continue
        # A recording that began before midnight and goes on past it counts for the day
        # searched: it has a part there.
        day = max(inside[0].begin, cursor).date()
        days.append(day)
        cursor = datetime.combine(day + timedelta(days=1), time())
    return sorted(days, reverse=True)[:max_days]


async def day_recordings(client: DvripClient, channel: int, day: date) -> list[RecordFile]:
    """The recordings on `channel` with a part on `day`, newest first."""
    begin = datetime.combine(day, time())
    end = begin + timedelta(days=1) - timedelta(seconds=1)
    found = await client.query_files(begin, end, channel=channel, file_type=FileType.VIDEO)
    inside = [record for record in found if record.begin <= end and _has_part_from(record, begin)]
    return sorted(inside, key=lambda record: (record.begin, record.name), reverse=True)


def _has_part_from(record: RecordFile, moment: datetime) -> bool:
    """Whether some of `record` is at or after `moment` (one that ends there has none)."""
    return record.begin >= moment or record.end > moment


def recording_token(record: RecordFile) -> str:
    """The recording's file name as an identifier part (never a path)."""
    return base64.urlsafe_b64encode(record.name.encode()).decode().rstrip("=")


def file_name_of(token: str) -> str:
    """The file name a token stands for; ValueError when it stands for none."""
    if not TOKEN.fullmatch(token):
        raise ValueError(f"not a recording: {token!r}")
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as err:
        raise ValueError(f"not a recording: {token!r}") from err


def find_recording(records: Iterable[RecordFile], token: str) -> RecordFile | None:
    """The listed recording a token names: only names the device listed reach it back."""
    name = file_name_of(token)
    return next((record for record in records if record.name == name), None)


def recording_title(record: RecordFile, kinds: Iterable[str] = ()) -> str:
    """`13:05:10 0:42 Motion, person`: its start, length and what it holds."""
    seconds = int((record.end - record.begin).total_seconds())
    hours, rest = divmod(seconds, 3600)
    length = (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    )
    labels: list[str] = []
    if (event := EVENT_TITLES.get(record.event)) is not None:
        labels.append(event)
    for kind in kinds:
        label = kind.replace("_", " ")
        if label.casefold() not in (existing.casefold() for existing in labels):
            labels.append(label)
    title = f"{record.begin:%H:%M:%S} {length}"
    return f"{title} {', '.join(labels)}" if labels else title
