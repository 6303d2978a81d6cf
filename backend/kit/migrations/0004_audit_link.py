"""Take the audit chain off the request path: entries get their own id, the chain moves to audit_link.

Existing rows keep their content; each one's old ``seq`` becomes its entry id and its chain
columns move verbatim to an ``audit_link`` row, so an existing chain still verifies. Both
tables refuse every UPDATE and DELETE (the entries' old triggers stay; SQLite's are made again
because removing columns there rebuilds the table). On PostgreSQL each entry also records the
id of the transaction that wrote it (``xid``): the chainer links only rows whose transaction has
ended, so a row that commits late is never skipped. Not reversible: links of rows written after
this migration have no place in the old single-table layout.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

SQLITE_BEFORE = [
    # Rebuilding audit_entry below would drop its triggers anyway.
    "DROP TRIGGER audit_entry_no_update",
    "DROP TRIGGER audit_entry_no_delete",
    "INSERT INTO audit_link (seq, entry_id, prev_hash, hash) SELECT seq, seq, prev_hash, hash FROM audit_entry",
]
SQLITE_AFTER = [
    f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    for table in ("audit_entry", "audit_link")
    for verb in ("update", "delete")
]
POSTGRES_BEFORE = [
    "INSERT INTO audit_link (seq, entry_id, prev_hash, hash) SELECT seq, seq, prev_hash, hash FROM audit_entry",
]
POSTGRES_AFTER = [
    # Rows from before this migration are all linked already: 0 sorts them before every new row.
    "ALTER TABLE audit_entry ADD COLUMN xid BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE audit_entry ALTER COLUMN xid SET DEFAULT (pg_current_xact_id()::text::bigint)",
    "CREATE INDEX audit_entry_xid_id ON audit_entry (xid, id)",
    # The id column is the old seq column, whose sequence was never used (seq was always given).
    "SELECT setval(pg_get_serial_sequence('audit_entry', 'id'), COALESCE((SELECT max(id) FROM audit_entry), 0) + 1, false)",
    """CREATE OR REPLACE FUNCTION audit_link_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_link is append-only'; END $$""",
    "CREATE TRIGGER audit_link_no_change BEFORE UPDATE OR DELETE ON audit_link FOR EACH ROW EXECUTE FUNCTION audit_link_append_only()",
]


def _run(postgres: list[str], sqlite: list[str]):
    async def run(apps, schema_editor) -> None:
        for statement in postgres if schema_editor.DIALECT == "postgres" else sqlite:
            await schema_editor.client.execute_script(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("kit", "0003_workflow_event")]

    operations = [
        ops.CreateModel(
            name="AuditLink",
            fields=[
                ("seq", fields.BigIntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ("entry_id", fields.BigIntField(unique=True)),
                ("prev_hash", fields.CharField(max_length=64)),
                ("hash", fields.CharField(unique=True, max_length=64)),
            ],
            options={"table": "audit_link", "app": "kit", "pk_attr": "seq",
                     "table_description": "An entry's place in the hash chain: append-only like the entries, written only by the chainer."},
            bases=["Model"],
        ),
        ops.RunPython(_run(POSTGRES_BEFORE, SQLITE_BEFORE)),
        ops.AlterModelOptions(
            name="AuditEntry",
            options={"table": "audit_entry", "app": "kit", "pk_attr": "id",
                     "table_description": "One audit row (全过程留痕), written in the transaction of the change it records."},
        ),
        ops.RenameField(model_name="AuditEntry", old_name="seq", new_name="id"),
        ops.RemoveField(model_name="AuditEntry", name="hash"),
        ops.RemoveField(model_name="AuditEntry", name="prev_hash"),
        ops.RunPython(_run(POSTGRES_AFTER, SQLITE_AFTER)),
    ]
