"""Database adjustments that keep SQLite (development, tests) behaving like PostgreSQL."""

from django.db.backends.signals import connection_created


def _sqlite_unicode_upper(value):
    return value.upper() if isinstance(value, str) else value


def teach_sqlite_unicode_case(sender, connection, **kwargs) -> None:
    """SQLite's UPPER() folds ASCII only, so «смирнова» would not find «Смирнова».

    Replacing it with Python's str.upper makes case-insensitive searches on
    Cyrillic names behave as they do on PostgreSQL.
    """
    if connection.vendor == "sqlite":
        connection.connection.create_function("UPPER", 1, _sqlite_unicode_upper, deterministic=True)


def connect() -> None:
    connection_created.connect(teach_sqlite_unicode_case, dispatch_uid="qac.db.teach_sqlite_unicode_case")
