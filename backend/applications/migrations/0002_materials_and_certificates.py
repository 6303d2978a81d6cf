from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('applications', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AttachedMaterial',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('applications.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('material_key', fields.CharField(max_length=40)),
                ('material_id', fields.BigIntField()),
                ('reused', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'application_material', 'app': 'applications', 'unique_together': (('application', 'material_key', 'material_id'),), 'pk_attr': 'id', 'table_description': "A material from the person's library attached to a case for one required item."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Certificate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.OneToOneField('applications.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='certificate', on_delete=OnDelete.RESTRICT)),
                ('person_id', fields.BigIntField(db_index=True)),
                ('name', fields.CharField(max_length=40)),
                ('number', fields.CharField(unique=True, max_length=32)),
                ('verification_code', fields.CharField(unique=True, max_length=16)),
                ('department_id', fields.CharField(max_length=32)),
                ('material_id', fields.BigIntField()),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_on', fields.DateField(null=True)),
                ('revoked', fields.BooleanField(default=False)),
            ],
            options={'table': 'certificate', 'app': 'applications', 'pk_attr': 'id', 'table_description': 'An e-certificate (电子证照) issued on an approved case, verifiable by anyone with its code.'},
            bases=['Model'],
        ),
    ]
