"""Assurance levels on login channels, claims kept apart from ownership, and join requests."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('auth', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='JoinRequest',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('auth.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='join_requests', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('auth.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='join_requests', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(max_length=16)),
                ('code_hash', fields.CharField(null=True, max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_join_request', 'app': 'auth', 'pk_attr': 'id', 'table_description': 'A new channel asking to join the person who owns an ID number (加入已有实名账号).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Account',
            name='assurance',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Account',
            name='assurance_source',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Account',
            name='bound_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Session',
            name='assurance',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Person',
            name='claim_idx',
            field=fields.CharField(null=True, db_index=True, max_length=64),
        ),
        # Channels bound before assurance levels existed were bound on a claim (name + ID number).
        ops.RunSQL(
            [
                "UPDATE auth_account SET assurance = 1, assurance_source = 'claim' WHERE person_id IS NOT NULL",
                "UPDATE person SET claim_idx = id_number_idx WHERE id_number_idx IS NOT NULL",
                "UPDATE auth_session SET assurance = 1 WHERE person_id IS NOT NULL",
            ],
            reverse_sql=[],
        ),
    ]
