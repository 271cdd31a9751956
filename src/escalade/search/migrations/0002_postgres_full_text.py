"""PostgreSQL only: unaccent and pg_trgm, an immutable unaccent wrapper (usable in generated columns and
indexes), generated French/English ``tsvector`` columns with GIN indexes, trigram indexes for identifiers
and the vocabulary. Does nothing on other databases."""

from django.db import migrations

VECTOR = (
    "setweight(to_tsvector('{config}', escalade_unaccent(title || ' ' || keywords)), 'A') || "
    "setweight(to_tsvector('{config}', escalade_unaccent(body)), 'B') || "
    "setweight(to_tsvector('{config}', escalade_unaccent(private_body)), 'C')"
)
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE OR REPLACE FUNCTION escalade_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "STRICT AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$",
    f"ALTER TABLE search_searchdocument ADD COLUMN vector_fr tsvector "
    f"GENERATED ALWAYS AS ({VECTOR.format(config='french')}) STORED",
    f"ALTER TABLE search_searchdocument ADD COLUMN vector_en tsvector "
    f"GENERATED ALWAYS AS ({VECTOR.format(config='english')}) STORED",
    "CREATE INDEX searchdoc_vector_fr_idx ON search_searchdocument USING gin (vector_fr)",
    "CREATE INDEX searchdoc_vector_en_idx ON search_searchdocument USING gin (vector_en)",
    "CREATE INDEX searchdoc_identifiers_trgm_idx ON search_searchdocument "
    "USING gin ((identifiers || ' ' || private_identifiers) gin_trgm_ops)",
    "CREATE INDEX searchterm_trgm_idx ON search_searchterm USING gin (term gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS searchterm_trgm_idx",
    "DROP INDEX IF EXISTS searchdoc_identifiers_trgm_idx",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector_en",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector_fr",
    "DROP FUNCTION IF EXISTS escalade_unaccent(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
