"""PostgreSQL only: one ``tsvector`` of unstemmed, unaccented words instead of a French and an English
stemmed one. Queries are stemmed and prefixed by Escalade itself (``search.text``, as on SQLite), so the
second vector doubled the full-text work of every write (and its GIN index) for no recall: the import
and every indexing write compute one vector, and a search reads one. French and English stop words are
left out of the vector and of queries. Does nothing on other databases."""

from django.db import migrations

VECTOR = (
    "setweight(to_tsvector('{config}', escalade_unaccent(title || ' ' || keywords)), 'A') || "
    "setweight(to_tsvector('{config}', escalade_unaccent(body)), 'B') || "
    "setweight(to_tsvector('{config}', escalade_unaccent(private_body)), 'C')"
)
FORWARD = [
    # English stop words are dropped by the first dictionary; other words go on to the second, which
    # drops French stop words and keeps the rest as they are (lower case).
    "CREATE TEXT SEARCH DICTIONARY escalade_stop_en (TEMPLATE = pg_catalog.simple, STOPWORDS = english, "
    "ACCEPT = false)",
    "CREATE TEXT SEARCH DICTIONARY escalade_words (TEMPLATE = pg_catalog.simple, STOPWORDS = french)",
    "CREATE TEXT SEARCH CONFIGURATION escalade (COPY = pg_catalog.simple)",
    "ALTER TEXT SEARCH CONFIGURATION escalade ALTER MAPPING FOR asciiword, word, asciihword, hword, "
    "hword_asciipart, hword_part WITH escalade_stop_en, escalade_words",
    "ALTER TABLE search_searchdocument DROP COLUMN vector_fr, DROP COLUMN vector_en, "
    f"ADD COLUMN vector tsvector GENERATED ALWAYS AS ({VECTOR.format(config='escalade')}) STORED",
    "CREATE INDEX searchdoc_vector_idx ON search_searchdocument USING gin (vector)",
]
BACKWARD = [
    "ALTER TABLE search_searchdocument DROP COLUMN vector, "
    f"ADD COLUMN vector_fr tsvector GENERATED ALWAYS AS ({VECTOR.format(config='french')}) STORED, "
    f"ADD COLUMN vector_en tsvector GENERATED ALWAYS AS ({VECTOR.format(config='english')}) STORED",
    "CREATE INDEX searchdoc_vector_fr_idx ON search_searchdocument USING gin (vector_fr)",
    "CREATE INDEX searchdoc_vector_en_idx ON search_searchdocument USING gin (vector_en)",
    "DROP TEXT SEARCH CONFIGURATION escalade",
    "DROP TEXT SEARCH DICTIONARY escalade_words",
    "DROP TEXT SEARCH DICTIONARY escalade_stop_en",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_newest_tickets_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
