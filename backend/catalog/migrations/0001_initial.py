from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Department',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'catalog_department', 'app': 'catalog', 'pk_attr': 'code', 'table_description': 'A department that owns service items (e.g. 市场监管局).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceItem',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('name', fields.CharField(max_length=100)),
                ('department', fields.ForeignKeyField('catalog.Department', source_field='department_id', db_constraint=True, to_field='code', related_name='items', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('summary', fields.TextField(unique=False)),
                ('conditions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('materials', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('form_schema', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('legal_limit_days', fields.IntField()),
                ('promised_limit_days', fields.IntField()),
                ('fee', fields.CharField(default='不收费', max_length=100)),
                ('online_full', fields.BooleanField(default=False)),
                ('max_one_trip', fields.BooleanField(default=True)),
                ('instant', fields.BooleanField(default=False)),
                ('ems_allowed', fields.BooleanField(default=False)),
                ('appointment_needed', fields.BooleanField(default=False)),
                ('keywords', fields.CharField(default='', max_length=200)),
                ('search_text', fields.TextField(default='', unique=False)),
                ('published', fields.BooleanField(default=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'catalog_service_item', 'app': 'catalog', 'pk_attr': 'code', 'table_description': 'One service item (政务服务事项) with everything its guide shows.'},
            bases=['Model'],
        ),
    ]
