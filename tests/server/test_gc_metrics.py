"""Garbage-collector pauses are timed and exposed at /metrics."""

from __future__ import annotations

import gc

import aiohttp

from causette.server import metrics


def _count(generation: str) -> float:
    for metric in metrics.GC_PAUSE.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels["generation"] == generation:
                return sample.value
    return 0.0


async def test_full_collections_are_timed_and_exposed(base_url):
    metrics.watch_gc()
    metrics.watch_gc()  # once per process, however often it is called
    before = _count("2")
    gc.collect()
    assert _count("2") == before + 1
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}metrics") as resp:
        text = await resp.text()
    assert 'causette_gc_pause_seconds_count{generation="2"}' in text
