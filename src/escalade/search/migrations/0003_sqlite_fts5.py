"""SQLite only: FTS5 tables over the search documents, kept in step by triggers. Words use the
``unicode61 remove_diacritics 2`` tokenizer (accents ignored); identifiers use the ``trigram`` tokenizer,
so a fragment of a MAC address or a serial number matches. Does nothing on other databases."""

from django.db import migrations

COLUMNS = "title, keywords, body, private_body"
IDENTIFIER_COLUMNS = "identifiers, private_identifiers"


def _values(prefix, columns):
    return ", ".join(f"{prefix}.{column.strip()}" for column in columns.split(","))


def _triggers(table, columns):
    new, old = _values("new", columns), _values("old", columns)
    delete = f"INSERT INTO {table}({table}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {table}(rowid, {columns}) VALUES (new.id, {new});"
    return [
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON search_searchdocument BEGIN {insert} END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON search_searchdocument BEGIN {delete} END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE ON search_searchdocument BEGIN {delete} {insert} END",
    ]


FORWARD = [
    f"CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS}, content='search_searchdocument', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')",
    *_triggers("search_fts", COLUMNS),
    f"CREATE VIRTUAL TABLE search_fts_identifiers USING fts5({IDENTIFIER_COLUMNS}, "
    "content='search_searchdocument', content_rowid='id', tokenize='trigram')",
    *_triggers("search_fts_identifiers", IDENTIFIER_COLUMNS),
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    "INSERT INTO search_fts_identifiers(search_fts_identifiers) VALUES ('rebuild')",
]
BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {t}_{s}" for t in ("search_fts", "search_fts_identifiers") for s in ("ai", "ad", "au")),
    "DROP TABLE IF EXISTS search_fts_identifiers",
    "DROP TABLE IF EXISTS search_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_postgres_full_text")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
