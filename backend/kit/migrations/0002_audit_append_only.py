"""Seed the audit chain head and make audit_entry append-only at the database level."""

from tortoise import migrations
from tortoise.migrations import operations as ops

GENESIS = "0" * 64

SQLITE = [
    f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')",
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
]
POSTGRES = [
    f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')",
    """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$""",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
]


async def forward(apps, schema_editor) -> None:
    statements = POSTGRES if schema_editor.DIALECT == "postgres" else SQLITE
    for statement in statements:
        await schema_editor.client.execute_script(statement)


async def backward(apps, schema_editor) -> None:
    if schema_editor.DIALECT == "postgres":
        statements = ["DROP TRIGGER audit_entry_no_change ON audit_entry", "DROP FUNCTION audit_entry_append_only()"]
    else:
        statements = ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"]
    for statement in statements + ["DELETE FROM audit_head WHERE id = 1"]:
        await schema_editor.client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("kit", "0001_initial")]

    operations = [ops.RunPython(forward, backward)]
