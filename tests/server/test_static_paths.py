"""Odd paths under /static/ answer 400 or 404 with one access-log line: no 500, no
traceback (issue 15 item 14: each used to log a full traceback, a log flood)."""

from __future__ import annotations

import logging

import aiohttp
import pytest

ODD = [
    ("static/js/%00.js", 400),
    ("static/js/a%01b.js", 400),
    (f"static/js/{'a' * 300}.js", 404),
    (f"static/{'d/' * 2500}x.js", 404),
    (f"static/{'a' * 5000}", 404),
    ("static/js/%ED%A0%80.js", 404),  # a lone surrogate, percent-encoded
]


@pytest.mark.parametrize(("path", "status"), ODD, ids=[f"{len(p)}-{s}" for p, s in ODD])
async def test_odd_static_paths_answer_without_a_traceback(
    base_url: str, caplog: pytest.LogCaptureFixture, path: str, status: int
) -> None:
    caplog.set_level(logging.INFO)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}{path}") as resp:
            assert resp.status == status
            assert resp.headers["Content-Security-Policy"]
        async with http.get(f"{base_url}static/js/main.js") as resp:
            assert resp.status == 200  # and the server still serves
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    about_it = [r for r in caplog.records if "main.js" not in r.getMessage()]
    assert [r.name for r in about_it] == ["aiohttp.access"]  # one line
