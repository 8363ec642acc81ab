"""causette: anonymous, registration-free web chat that keeps minors and exposed people safe.

Layout (read top to bottom, like a message's way through):

- ``core/``       pure domain rules, no I/O and no clock: identities, the teen/adult wall,
                  rooms, private-message consent, blocks, rate limits, proof of work, resume.
- ``safety/``     pure safety engine: normalise, detect, keep risk state, decide an action.
- ``store/``      persistence behind one small interface (SQLAlchemy Core; SQLite default).
- ``bus/``        fan-out between server processes (in-process default).
- ``server/``     the I/O shell: aiohttp HTTP API, WebSocket endpoint, connection registry.
- ``web/``        the browser client: plain ES modules and CSS, no build step.
- ``settings.py`` the operator's knobs; ``cli.py`` the ``causette`` command.
"""

__version__ = "0.1.0"
