from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person_id', fields.BigIntField()),
                ('event', fields.CharField(max_length=40)),
                ('dedupe_key', fields.CharField(unique=True, max_length=120)),
                ('title', fields.CharField(max_length=100)),
                ('body', fields.TextField(unique=False)),
                ('link', fields.CharField(null=True, max_length=200)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('critical', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification', 'app': 'notifications', 'indexes': [Index(fields=['person_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One event told to one person. Written in the transaction of the change it reports.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Delivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('notification', fields.ForeignKeyField('notifications.Notification', source_field='notification_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(max_length=16)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_by', fields.CharField(null=True, max_length=40)),
                ('last_error', fields.CharField(null=True, max_length=300)),
                ('provider_message_id', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification_delivery', 'app': 'notifications', 'unique_together': (('notification', 'channel'),), 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'One attempt stream to deliver a notification on one outside channel (WeChat, Web Push, SMS).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Preference',
            fields=[
                ('person_id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('wechat', fields.BooleanField(default=True)),
                ('webpush', fields.BooleanField(default=True)),
                ('sms', fields.BooleanField(default=True)),
                ('quiet_hours', fields.BooleanField(default=True)),
                ('quiet_start', fields.CharField(default='22:00', max_length=5)),
                ('quiet_end', fields.CharField(default='07:00', max_length=5)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification_preference', 'app': 'notifications', 'pk_attr': 'person_id', 'table_description': "A person's channel choices and quiet hours (no row: the defaults)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PushSubscription',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person_id', fields.BigIntField(db_index=True)),
                ('endpoint', fields.CharField(max_length=1000)),
                ('endpoint_hash', fields.CharField(unique=True, max_length=64)),
                ('p256dh', fields.CharField(max_length=100)),
                ('auth', fields.CharField(max_length=40)),
                ('user_agent', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_success_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'push_subscription', 'app': 'notifications', 'pk_attr': 'id', 'table_description': "A browser's Web Push subscription (one per device and browser)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WeChatQuota',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person_id', fields.BigIntField()),
                ('template_id', fields.CharField(max_length=64)),
                ('credits', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_subscribe_quota', 'app': 'notifications', 'unique_together': (('person_id', 'template_id'),), 'pk_attr': 'id', 'table_description': 'One-time subscribe-message credits a person granted for one template (wx.requestSubscribeMessage).'},
            bases=['Model'],
        ),
    ]
