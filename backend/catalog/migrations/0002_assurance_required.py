from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('catalog', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ServiceItem',
            name='assurance_required',
            field=fields.IntField(default=1, db_default=1),
        ),
    ]
