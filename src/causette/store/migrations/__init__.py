"""Alembic migrations of the one schema (store/schema.py), shipped inside the package."""
