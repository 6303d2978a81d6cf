"""Consent records: which version of the terms, privacy policy and ID-number consent each channel or person agreed to."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('auth', '0003_session_revoked_reason')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Consent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('auth.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.SET_NULL)),
                ('person', fields.ForeignKeyField('auth.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.SET_NULL)),
                ('document', fields.CharField(max_length=16)),
                ('version', fields.CharField(max_length=16)),
                ('accepted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_consent', 'app': 'auth', 'pk_attr': 'id', 'table_description': 'One agreement (知情同意) to one version of a document (auth/consent.py), kept as evidence.'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Consent',
            index=Index(fields=['account_id']),
        ),
        ops.AddIndex(
            model_name='Consent',
            index=Index(fields=['person_id']),
        ),
    ]
