"""Indexes for the staff queue's prefix searches, on PostgreSQL only.

The queue searches a name as UPPER(last_name) LIKE 'ИВАН%'. Under a non-C
collation a plain b-tree cannot serve LIKE; text_pattern_ops can. (SNILS
prefixes need nothing here: Django already creates a pattern-ops index for
the indexed snils column.) SQLite (development) needs nothing.
"""

from django.db import migrations

INDEXES = [
    ("accounts_user_upper_last_name_like", "accounts_user", "(UPPER(last_name) text_pattern_ops)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, columns in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _columns in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0002_exam_statuses"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
