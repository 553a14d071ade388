"""OPFileQuery (1440): the device's answer to a search of its recordings.

A search answers at most 64 entries a page (history.py decides which); firmware with
search-cap-511 ends a search at 511 results, counted per connection. An empty recorder
channel (unused-channels) answers a slow "nothing".
"""

from __future__ import annotations

import asyncio
from typing import Any

from simulator.device import Requester
from simulator.history import MAX_QUERY_ENTRIES, FileQuery, RecordType
from simulator.quirks import Quirk
from simulator.wire import MessageId, Packet, Ret, parse_time

# search-cap-511: results one search gives at most.
SEARCH_RESULT_CAP = 511
# unused-channels: how long a search of an empty recorder channel takes.
EMPTY_CHANNEL_DELAY = 0.5


class FileSearch:
    """Answers the file queries of one connection, and counts its search's results."""

    def __init__(self, connection: Requester) -> None:
        self._connection = connection
        # search-cap-511: (channel, type, end) of the search going on, and results given.
        self._search: tuple[tuple[int, str, str], int] | None = None

    async def answer(self, packet: Packet, body: dict[str, Any]) -> None:
        camera = self._connection.camera
        params = body.get("OPFileQuery")
        query = self._parse_file_query(params)
        if query is None:
            await self._connection.reply(
                MessageId.FILE_QUERY_REPLY, {"Name": "OPFileQuery", "Ret": Ret.ILLEGAL_REQUEST}
            )
            return
        if camera.has(Quirk.SLOW_SEARCH):
            # The connection answers in order: what comes after the search waits too.
            await asyncio.sleep(camera.config.search_delay)
        if query.channel >= camera.camera_channels:
            # An empty recorder channel: a slow "nothing" (unused-channels).
            await asyncio.sleep(EMPTY_CHANNEL_DELAY)
            await self._connection.reply(
                MessageId.FILE_QUERY_REPLY, {"Name": "OPFileQuery", "Ret": Ret.EMPTY_CHANNEL}
            )
            return
        found = await camera.file_query(query, self._search_limit(query))
        if not found:
            await self._connection.reply(
                MessageId.FILE_QUERY_REPLY,
                {"Name": "OPFileQuery", "Ret": camera.profile.nothing_found_ret},
            )
            return
        ret = Ret.OK
        if camera.has(Quirk.SEARCH_RET_110):
            ret = Ret.SEARCH_PARTIAL if len(found) == MAX_QUERY_ENTRIES else Ret.SEARCH_COMPLETE
        odd_times = camera.has(Quirk.ODD_TIMES)
        key = "FileList" if camera.has(Quirk.FILELIST_KEY) else "OPFileQuery"
        await self._connection.reply(
            MessageId.FILE_QUERY_REPLY,
            {
                "Name": key,
                key: [entry.to_json(odd_times=odd_times) for entry in found],
                "Ret": ret,
            },
        )

    def _search_limit(self, query: FileQuery) -> int:
        """Entries this page may hold: with search-cap-511, a search ends at 511 results.

        Asking again from a later BeginTime, or for anything else, starts a new search.
        """
        if not self._connection.camera.has(Quirk.SEARCH_CAP_511):
            return MAX_QUERY_ENTRIES
        key = (query.channel, query.record_type.value, str(query.end))
        given = self._search[1] if self._search is not None and self._search[0] == key else 0
        limit = min(MAX_QUERY_ENTRIES, SEARCH_RESULT_CAP - given)
        given += limit
        self._search = None if given >= SEARCH_RESULT_CAP else (key, given)
        return limit

    @staticmethod
    def _parse_file_query(params: object) -> FileQuery | None:
        if not isinstance(params, dict):
            return None
        begin = parse_time(params.get("BeginTime"))
        end = parse_time(params.get("EndTime"))
        channel = params.get("Channel", 0)
        event = params.get("Event", "*")
        try:
            record_type = RecordType(params.get("Type", "h264"))
        except ValueError:
            return None
        if (
            begin is None
            or end is None
            or isinstance(channel, bool)
            or not isinstance(channel, int)
            or not isinstance(event, str)
        ):
            return None
        return FileQuery(channel, record_type, event, begin, end)
