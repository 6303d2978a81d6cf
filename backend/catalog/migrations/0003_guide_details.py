from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('catalog', '0002_assurance_required')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ServiceItem',
            name='eligibility',
            field=fields.JSONField(default=dict, db_default='{}', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='ServiceItem',
            name='hours',
            field=fields.CharField(default='', db_default='', max_length=200),
        ),
        ops.AddField(
            model_name='ServiceItem',
            name='legal_basis',
            field=fields.JSONField(default=list, db_default='[]', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='ServiceItem',
            name='phone',
            field=fields.CharField(default='', db_default='', max_length=60),
        ),
        ops.AddField(
            model_name='ServiceItem',
            name='places',
            field=fields.JSONField(default=list, db_default='[]', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='ServiceItem',
            name='result_delivery',
            field=fields.JSONField(default=list, db_default='[]', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='ServiceItem',
            name='result_name',
            field=fields.CharField(default='', db_default='', max_length=60),
        ),
        ops.AddField(
            model_name='ServiceItem',
            name='steps',
            field=fields.JSONField(default=list, db_default='[]', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
