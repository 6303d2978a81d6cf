"""Versions of service items (事项版本): each item gets its version 1, a snapshot of what it says now.

Cases already filed are pinned to version 1 by the applications migration (its column defaults
to 1). The snapshot lists the columns by name, as they are in this migration, not as the model
may later be.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from datetime import UTC, datetime

TEXT = ("name", "kind", "summary", "fee", "hours", "phone", "result_name", "keywords")
JSON = ("conditions", "materials", "form_schema", "places", "steps", "legal_basis", "result_delivery", "eligibility")
NUMBERS = ("legal_limit_days", "promised_limit_days", "assurance_required")
FLAGS = ("online_full", "max_one_trip", "instant", "ems_allowed", "appointment_needed", "published")


def snapshot(row: dict) -> dict:
    """schemas.ServiceItemIn without its code, from a catalog_service_item row."""
    values = {k: row[k] for k in TEXT} | {k: int(row[k]) for k in NUMBERS} | {k: bool(row[k]) for k in FLAGS}
    values |= {k: loads(row[k]) if isinstance(row[k], (str, bytes)) else row[k] for k in JSON}
    return values | {"department": row["department_id"]}


async def backfill(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    now = datetime.now(UTC)
    insert = (
        "INSERT INTO catalog_service_version (item_id, version, snapshot, created_at, created_by) VALUES "
        + ("($1, 1, $2, $3, 'migration')" if postgres else "(?, 1, ?, ?, 'migration')")
    )
    for row in await client.execute_query_dict("SELECT * FROM catalog_service_item"):
        when = now if postgres else now.isoformat(sep=" ")
        await client.execute_query(insert, [row["code"], dumps(snapshot(row), ensure_ascii=False), when])


async def forget(apps, schema_editor) -> None:
    await schema_editor.client.execute_script("DELETE FROM catalog_service_version")

class Migration(migrations.Migration):
    dependencies = [('catalog', '0005_hall_details')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ServiceVersion',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('catalog.ServiceItem', source_field='item_id', db_constraint=True, to_field='code', related_name='versions', on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField()),
                ('snapshot', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'catalog_service_version', 'app': 'catalog', 'unique_together': (('item', 'version'),), 'pk_attr': 'id', 'table_description': "One immutable version of an item (事项版本): what an administrator's save made it."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ServiceItem',
            name='version',
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.RunPython(backfill, forget),
    ]
