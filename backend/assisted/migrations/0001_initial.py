from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Delegation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person_id', fields.BigIntField(db_index=True)),
                ('staff_id', fields.BigIntField(db_index=True)),
                ('township', fields.CharField(db_index=True, max_length=12)),
                ('errands', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('starts', fields.DateField()),
                ('ends', fields.DateField()),
                ('status', fields.CharField(db_index=True, max_length=12)),
                ('evidence_kind', fields.CharField(max_length=8)),
                ('photo_key', fields.CharField(default='', max_length=80)),
                ('code_hash', fields.CharField(default='', max_length=64)),
                ('wrong_tries', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'assisted_delegation', 'app': 'assisted', 'pk_attr': 'id', 'table_description': "A villager's consent for staff of a township to do errands for them (授权委托)."},
            bases=['Model'],
        ),
    ]
