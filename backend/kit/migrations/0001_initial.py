from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('seq', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=64)),
                ('subject', fields.CharField(null=True, max_length=64)),
                ('action', fields.CharField(max_length=64)),
                ('object_type', fields.CharField(max_length=64)),
                ('object_id', fields.CharField(null=True, max_length=64)),
                ('result', fields.CharField(max_length=16)),
                ('request_id', fields.CharField(null=True, max_length=64)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'audit_entry', 'app': 'kit', 'pk_attr': 'seq', 'table_description': 'One audit row (全过程留痕), append-only and chained by hash to the row before it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditHead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('seq', fields.BigIntField()),
                ('hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_head', 'app': 'kit', 'pk_attr': 'id', 'table_description': "The single row holding the chain's last sequence number and hash."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scope', fields.CharField(max_length=200)),
                ('key', fields.CharField(max_length=255)),
                ('request_hash', fields.CharField(max_length=64)),
                ('state', fields.CharField(max_length=16)),
                ('locked_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status_code', fields.IntField(null=True)),
                ('response_body', fields.BinaryField(null=True)),
                ('content_type', fields.CharField(null=True, max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_record', 'app': 'kit', 'unique_together': (('scope', 'key'),), 'pk_attr': 'id', 'table_description': 'The first response to a request made with an Idempotency-Key, replayed for retries.'},
            bases=['Model'],
        ),
    ]
