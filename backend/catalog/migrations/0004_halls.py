from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('catalog', '0003_guide_details')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Hall',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=48)),
                ('name', fields.CharField(max_length=64)),
                ('address', fields.CharField(default='', max_length=200)),
                ('items', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'catalog_hall', 'app': 'catalog', 'pk_attr': 'code', 'table_description': 'A service hall (政务服务大厅 / 便民服务中心) and the items its windows take.'},
            bases=['Model'],
        ),
    ]
