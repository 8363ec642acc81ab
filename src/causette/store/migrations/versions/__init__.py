"""Alembic revisions, oldest first: each file changes the schema by one step."""
