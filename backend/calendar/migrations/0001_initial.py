from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('date', fields.DateField()),
                ('kind', fields.CharField(max_length=8)),
                ('name', fields.CharField(max_length=60)),
                ('region', fields.CharField(default='', db_default='', max_length=6)),
                ('source', fields.CharField(max_length=10)),
                ('created_by', fields.CharField(max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'calendar_day', 'app': 'calendar', 'unique_together': (('date', 'region'),), 'pk_attr': 'id', 'table_description': 'One day an administrator set: a holiday or a working day, nationally or for a region (division-code prefix).'},
            bases=['Model'],
        ),
    ]
