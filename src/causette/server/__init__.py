"""The I/O shell: aiohttp HTTP API, the WebSocket endpoint, connections and sessions.

Thin by rule: parse, call the core, persist, publish, send.
"""
