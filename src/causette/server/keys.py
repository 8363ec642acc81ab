"""Typed keys for what the aiohttp application carries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from causette.settings import Settings

if TYPE_CHECKING:
    from causette.server.chat import ChatService
    from causette.server.handlers import Handlers

SERVICE: web.AppKey[ChatService] = web.AppKey("service")
WS_HANDLERS: web.AppKey[Handlers] = web.AppKey("ws_handlers")
SETTINGS = web.AppKey("settings", Settings)
