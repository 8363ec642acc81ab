"""Persistence behind one small interface: ``Store`` (SQLAlchemy Core; SQLite by default)."""

from causette.store.records import MessageRecord, SessionRecord
from causette.store.sql import SqlStore

__all__ = ["MessageRecord", "SessionRecord", "SqlStore"]
