"""Alembic migrations of the openstc store (run with openstc.store.db.upgrade)."""
