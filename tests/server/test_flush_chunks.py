"""The end-of-tick writes go out in chunks (server/connection.py): what else is ready on the
event loop runs between two chunks, every connection is still written once, in order."""

from __future__ import annotations

import asyncio

from causette.server.connection import FLUSH_CHUNK, _TickFlusher


async def _loop_turns_until_written(flusher: _TickFlusher) -> None:
    """Give the loop turns (no clock involved) until the flusher has nothing scheduled."""
    for _ in range(50):
        if not flusher.scheduled:
            return
        await asyncio.sleep(0)
    raise AssertionError("the flusher never finished")


class _Written:
    """Stands for a connection: records when it was written."""

    def __init__(self, log: list[object], name: int) -> None:
        self.log = log
        self.name = name

    def flush(self) -> None:
        self.log.append(self.name)


async def test_a_burst_is_written_in_chunks_with_the_loop_running_between() -> None:
    flusher = _TickFlusher()
    log: list[object] = []
    count = 2 * FLUSH_CHUNK + 10
    for i in range(count):
        flusher.mark(_Written(log, i))  # type: ignore[arg-type]
    # Ready after the first chunk was scheduled: it runs before the second chunk.
    asyncio.get_running_loop().call_soon(log.append, "other")
    await _loop_turns_until_written(flusher)
    assert log.index("other") == FLUSH_CHUNK
    assert [x for x in log if x != "other"] == list(range(count))


async def test_a_connection_marked_during_a_chunked_flush_is_written_after() -> None:
    flusher = _TickFlusher()
    log: list[object] = []
    late = _Written(log, -1)

    class _Marking(_Written):
        def flush(self) -> None:
            super().flush()
            if self.name == 0:
                flusher.mark(late)  # type: ignore[arg-type]

    for i in range(FLUSH_CHUNK + 1):
        flusher.mark(_Marking(log, i))  # type: ignore[arg-type]
    await _loop_turns_until_written(flusher)
    assert log == [*range(FLUSH_CHUNK + 1), -1]
