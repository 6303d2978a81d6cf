from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='OneTimeCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('phone_idx', fields.CharField(db_index=True, max_length=64)),
                ('purpose', fields.CharField(max_length=16)),
                ('code_hash', fields.CharField(max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('consumed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'auth_one_time_code', 'app': 'auth', 'pk_attr': 'id', 'table_description': 'An SMS code (stored hashed): 5-minute life, 5 tries, used once.'},
            bases=['Model'],
        ),
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
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('password_hash', fields.CharField(null=True, max_length=200)),
                ('failed_logins', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('disabled', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'person', 'app': 'auth', 'pk_attr': 'id', 'table_description': 'One human (自然人), whichever channel they come through.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=16)),
                ('subject_idx', fields.CharField(max_length=64)),
                ('subject_enc', fields.TextField(unique=False)),
                ('unionid_idx', fields.CharField(null=True, db_index=True, max_length=64)),
                ('session_key_enc', fields.TextField(null=True, unique=False)),
                ('person', fields.ForeignKeyField('auth.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_account', 'app': 'auth', 'unique_together': (('kind', 'subject_idx'),), 'pk_attr': 'id', 'table_description': 'A login channel: a WeChat mini-program openid or a phone number, bound to a person once verified.'},
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
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('csrf_token', fields.CharField(max_length=64)),
                ('transport', fields.CharField(max_length=8)),
                ('account', fields.ForeignKeyField('auth.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('auth.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('mfa', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('idle_seconds', fields.IntField()),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('user_agent', fields.CharField(default='', max_length=200)),
                ('ip', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'auth_session', 'app': 'auth', 'pk_attr': 'id', 'table_description': 'A server-side session. The client holds only the random token, we keep its SHA-256.'},
            bases=['Model'],
        ),
    ]
