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
            name='Application',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tracking_no', fields.CharField(null=True, unique=True, max_length=20)),
                ('person_id', fields.BigIntField(db_index=True)),
                ('service_code', fields.CharField(max_length=32)),
                ('service_name', fields.CharField(max_length=100)),
                ('department_id', fields.CharField(db_index=True, max_length=32)),
                ('status', fields.CharField(db_index=True, max_length=24)),
                ('form', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('corrections', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_date', fields.DateField(null=True)),
                ('correction_since', fields.DateField(null=True)),
                ('paused_working_days', fields.IntField(default=0)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('on_time', fields.BooleanField(null=True)),
                ('trips', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'application', 'app': 'applications', 'pk_attr': 'id', 'table_description': 'One case: a person applying for one service item.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TimelineEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('applications.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='timeline', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('action', fields.CharField(max_length=32)),
                ('status_from', fields.CharField(null=True, max_length=24)),
                ('status_to', fields.CharField(max_length=24)),
                ('actor', fields.CharField(max_length=64)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'application_timeline', 'app': 'applications', 'pk_attr': 'id', 'table_description': 'One step of a case, as the resident sees it on the tracking page.'},
            bases=['Model'],
        ),
    ]
