from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('applications', '0005_one_material_per_slot')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Application',
            name='service_version',
            field=fields.IntField(default=1, db_default=1),
        ),
    ]
