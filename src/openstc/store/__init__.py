"""openstc.store: the persistent store of the service (SQLAlchemy 2 models, engines, migrations).

SQLite (WAL) in the data directory by default, PostgreSQL with ``OPENSTC_DATABASE_URL``. Use
:func:`openstc.store.db.transaction` for every unit of work.
"""

from openstc.store.db import database_url, make_engine, session_factory, transaction, upgrade

__all__ = ["database_url", "make_engine", "session_factory", "transaction", "upgrade"]
