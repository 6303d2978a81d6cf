from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name_enc', fields.TextField(null=True, unique=False)),
                ('name_idx', fields.CharField(null=True, db_index=True, max_length=64)),
                ('phone_enc', fields.TextField(null=True, unique=False)),
                ('phone_idx', fields.CharField(null=True, db_index=True, max_length=64)),
                ('id_number_enc', fields.TextField(null=True, unique=False)),
                ('id_number_idx', fields.CharField(null=True, unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'person', 'app': 'auth', 'pk_attr': 'id', 'table_description': 'One human (自然人), whichever channel they come through.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RoleGrant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('auth.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='roles', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(max_length=16)),
                ('scope', fields.CharField(default='', max_length=64)),
                ('granted_by', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'role_grant', 'app': 'auth', 'unique_together': (('person', 'role', 'scope'),), 'pk_attr': 'id', 'table_description': 'A role held by a person, optionally limited to a scope (``hall:3``, ``township:12``).'},
            bases=['Model'],
        ),
    ]
