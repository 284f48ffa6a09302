"""Reference central CRM API for CallDesk (FastAPI + SQLAlchemy; SQLite or PostgreSQL)."""

__version__ = "0.1.0"
