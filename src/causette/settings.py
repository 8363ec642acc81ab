"""Settings: ``CAUSETTE_*`` environment variables over an optional TOML file over defaults.

The operator's knobs live here and nowhere else; every other module receives a ``Settings``.
"""

from __future__ import annotations

import os
import pathlib
import secrets
import tomllib
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from causette.keyfiles import kept_file


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAUSETTE_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    data_dir: pathlib.Path = pathlib.Path("./var")
    # Empty means `sqlite:///<data_dir>/causette.db`.
    database_url: str = ""
    # Empty: one process, in-process bus. Set (redis://host:6379/0): several processes share
    # one chat through Redis (bus, presence, names, join limits); see docs/deploy.md.
    redis_url: str = ""
    # Every Redis key and channel starts with it: several chats (or tests) on one Redis.
    redis_prefix: str = "causette:"
    # A process refreshes its chatters' presence in Redis every third of this; a process
    # that dies frees their names after at most this long.
    cluster_ttl_s: float = Field(15.0, ge=1.0)
    # Load balancers whose X-Forwarded-For is believed (addresses or networks, commas).
    trusted_proxies: str = ""
    rooms_file: pathlib.Path | None = None
    # Signs proof-of-work challenges and keys device hashes (bans on a device key rely on
    # it staying the same). Empty: generated once into <data_dir>/secret and kept there;
    # processes of one cluster must share it (set it in each one's configuration).
    secret: str = ""

    pow_difficulty: int = Field(18, ge=0, le=32, description="leading zero bits required")
    pow_ttl_s: float = 120.0
    pow_storm_joins_per_minute: int = Field(
        120, ge=0, description="joins a minute above which new challenges cost more (0: never)"
    )
    pow_storm_max_extra_bits: int = Field(
        4, ge=0, le=14, description="at most this many bits added under a join storm (x16 work)"
    )
    joins_per_ip_per_hour: int = 20
    session_ttl_s: float = 24 * 3600.0
    presence_grace_s: float = 20.0

    message_max_chars: int = 500
    history_on_join: int = 50
    history_kept: int = 10_000
    msg_burst: int = 8
    msg_per_minute: int = 30
    new_pm_per_hour: int = 20

    # Safety in the live chat (server/safety_layer.py).
    safety_enabled: bool = True
    fresh_account_s: float = 600.0
    fresh_new_pm_max: int = 3
    # Alerts of one kind in one channel within this window of the case's first alert join
    # it: a flood of threatening bots is one case on the desk with a count (0: never).
    alert_merge_window_s: float = Field(600.0, ge=0)
    # A device (the browser's cookie, as a keyed hash) remembers an under-15 refusal, a
    # move-out and the space it is in for this long (core/devices.py; 24 h at least).
    device_memory_hours: float = Field(24.0, ge=24.0, le=720.0)
    # The trust and safety desk (server/desk/): moderators' sessions and login throttling.
    desk_session_ttl_s: float = 12 * 3600.0
    desk_login_failures: int = Field(5, ge=1, description="failed logins allowed per window")
    desk_login_window_s: float = 15 * 60.0
    # Repeat offenders (DSA art. 23, core/sanctions.py): this many warnings, mutes or kicks
    # within the window → an automatic suspension (a timed ban) of this length. 0: off.
    repeat_count: int = Field(3, ge=0)
    repeat_window_days: float = Field(90.0, gt=0)
    repeat_suspension_hours: float = Field(72.0, gt=0)

    # Retention (server/retention.py, docs/deploy.md). Connection data (IP, source port,
    # times, pseudonym, device key, message id) are sealed with AES-GCM: ``retention_key`` is
    # base64 of 32 bytes (empty: generated once into <data_dir>/retention.key, with a
    # warning); ``retention_old_keys`` (commas) still open rows sealed before a rotation.
    retention_key: str = ""
    retention_old_keys: str = ""
    # Ed25519 private key (PEM) that signs requisition archives; empty: generated once into
    # <data_dir>/export-signing.pem. Exports are written to <data_dir>/exports/.
    export_signing_key: pathlib.Path | None = None
    # The audit chain (core/audit.py, docs/operator.md): each entry is an HMAC under
    # ``audit_key`` (base64 of 32 bytes; empty: generated once into <data_dir>/audit.key);
    # ``audit_old_keys`` (commas) still verify entries made before a rotation. The signed
    # head of the chain is written to ``audit_checkpoint_file`` (empty:
    # <data_dir>/audit-head.json) every ``audit_checkpoint_interval_s`` when it moved (0:
    # only at start, at stop and by the admin commands): keep it off the database's disk.
    audit_key: str = ""
    audit_old_keys: str = ""
    audit_checkpoint_file: pathlib.Path | None = None
    audit_checkpoint_interval_s: float = Field(60.0, ge=0)
    # Days kept before the purge deletes (data under a preservation are kept until released).
    retention_connection_days: int = Field(365, ge=1)
    retention_session_days: int = Field(365, ge=1)
    retention_room_days: int = Field(90, ge=1)
    retention_pm_days: int = Field(90, ge=1)
    retention_moderation_days: int = Field(730, ge=1)
    # The purge runs in the server this often (0: only ``causette admin purge``).
    purge_interval_s: float = Field(24 * 3600.0, ge=0)
    # Who the authorities call back about an emergency notification (name, e-mail, phone);
    # also the point of contact for authorities on /legal/contact (DSA art. 11).
    legal_contact: str = ""
    # The legal pages (server/legal_pages.py, docs/operator.md § The legal pages): who
    # publishes and who hosts the service (LCEN art. 6-III), where users write (DSA art. 12)
    # and about their data (GDPR). Empty: the page says "not configured" and names the
    # setting; nothing is ever made up. ``legal_pages_dir`` holds the operator's own texts
    # (<dir>/<fr|en>/<page>.md), over the defaults shipped in causette/data/legal/.
    legal_pages_dir: pathlib.Path | None = None
    legal_publisher: str = ""
    legal_publisher_address: str = ""
    legal_publisher_contact: str = ""
    legal_publisher_registration: str = ""
    legal_publication_director: str = ""
    legal_host_name: str = ""
    legal_host_address: str = ""
    legal_host_phone: str = ""
    legal_users_contact: str = ""
    legal_privacy_contact: str = ""
    # The name this instance signs its shared rule packs with (core/rule_lists.py); empty:
    # the host name the admin reached the desk by.
    rule_pack_issuer: str = Field("", max_length=80)

    # Log the Python stack when the event loop is blocked longer than this (0: off);
    # server/watchdog.py.
    stall_log_ms: float = Field(0.0, ge=0)

    # A WebSocket silent this long is pinged, and dropped if it does not answer within half
    # of it (server/keepalive.py): a vanished phone frees its name and places.
    keepalive_s: float = Field(30.0, gt=0)

    send_queue_max: int = 1000
    # The kernel's send buffer of each client socket (SO_SNDBUF, bytes; 0: the kernel's
    # autotuning, up to net.ipv4.tcp_wmem's maximum, 4 MB by default). Capped, a peer that
    # stops reading fills it and then the send queue, and is cut with 4008: the memory it
    # holds is bounded by this (doubled by the kernel for its bookkeeping) plus the queue.
    send_buffer_bytes: int = Field(64 * 1024, ge=0)
    # How long a closing socket may take to flush its close frame (and get the answer)
    # before it is cut: a peer that stopped reading would otherwise hold it forever.
    close_grace_s: float = Field(5.0, gt=0)
    frame_max_bytes: int = 4096
    group_commit_max: int = 512
    # FULL: an acked message survives a power cut; NORMAL (WAL): survives a process crash
    # only, and commits far faster on slow disks. Tests use NORMAL.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"

    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'causette.db'}"

    def signing_key(self) -> bytes:
        return (self.secret or _kept_secret(self.data_dir)).encode()


_KEPT: dict[pathlib.Path, str] = {}


def _kept_secret(data_dir: pathlib.Path) -> str:
    """The generated secret of this data directory, made on first use (mode 0600)."""
    path = data_dir / "secret"  # not resolved: this runs on every join and connection
    if path not in _KEPT:
        fresh = (secrets.token_hex(32) + "\n").encode()
        _KEPT[path] = kept_file(path, fresh, "secret").decode("ascii").strip()
    return _KEPT[path]


def load_settings(config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Settings from the TOML file (``--config`` or ``CAUSETTE_CONFIG``), then the env."""
    path = config_file or os.environ.get("CAUSETTE_CONFIG")
    from_file: dict[str, Any] = {}
    if path:
        with open(path, "rb") as fh:
            from_file = tomllib.load(fh)
    # Environment variables win over the file: pydantic-settings gives init kwargs priority,
    # so only pass file values the environment does not set.
    env_set = {k.removeprefix("CAUSETTE_").lower() for k in os.environ if k.startswith("CAUSETTE_")}
    merged = {k: v for k, v in from_file.items() if k not in env_set}
    merged.update(overrides)
    return Settings(**merged)
