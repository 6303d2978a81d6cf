from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('catalog', '0004_halls')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Hall',
            name='district',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
        ops.AddField(
            model_name='Hall',
            name='hours',
            field=fields.CharField(default='', db_default='', max_length=200),
        ),
        ops.AddField(
            model_name='Hall',
            name='latitude',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Hall',
            name='longitude',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Hall',
            name='phone',
            field=fields.CharField(default='', db_default='', max_length=60),
        ),
        ops.AddField(
            model_name='Hall',
            name='region',
            field=fields.CharField(default='', db_default='', max_length=6),
        ),
        ops.AddField(
            model_name='Hall',
            name='township',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
    ]
