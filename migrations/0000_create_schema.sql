-- IF NOT EXISTS: the migrator creates the schema first, to hold its own table pos.schema_migrations.
CREATE SCHEMA IF NOT EXISTS "pos";
