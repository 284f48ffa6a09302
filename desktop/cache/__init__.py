"""The local cache: SQLite (WAL) replica of the CRM, migrated by Alembic at start-up."""

from desktop.cache.pragmas import default_cache_path

__all__ = ["default_cache_path"]
