"""The shared event table of every workflow (backend.kit.workflow)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('kit', '0002_audit_append_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WorkflowEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('object_type', fields.CharField(max_length=32)),
                ('object_id', fields.BigIntField()),
                ('action', fields.CharField(max_length=32)),
                ('status_from', fields.CharField(null=True, max_length=24)),
                ('status_to', fields.CharField(max_length=24)),
                ('actor', fields.CharField(max_length=64)),
                ('on_behalf_of', fields.CharField(null=True, max_length=64)),
                ('authorisation', fields.CharField(null=True, max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'workflow_event', 'app': 'kit', 'indexes': [Index(fields=['object_type', 'object_id'])], 'pk_attr': 'id', 'table_description': 'One step of any workflow (办件, 预约, 寄递 …): what happened, who acted, for whom, under which authorisation.'},
            bases=['Model'],
        ),
    ]
