"""ideathons: public id

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 16:00:00

A stable public identifier (a UUID as text) for every ideathon: the same on the central server and on
a hall's laptop (docs/hall-kit.md). Existing ideathons get one each here.
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ideathons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=36), nullable=True))

    connection = op.get_bind()
    ideathons = sa.table('ideathons', sa.column('id', sa.Integer), sa.column('public_id', sa.String))
    for (ideathon_id,) in connection.execute(sa.select(ideathons.c.id).where(ideathons.c.public_id.is_(None))).all():
        connection.execute(ideathons.update().where(ideathons.c.id == ideathon_id)
                           .values(public_id=str(uuid.uuid4())))

    with op.batch_alter_table('ideathons', schema=None) as batch_op:
        batch_op.alter_column('public_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_ideathons_public_id'), ['public_id'])


def downgrade():
    with op.batch_alter_table('ideathons', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ideathons_public_id'), type_='unique')
        batch_op.drop_column('public_id')
