"""hall: offline publication

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:57:13.751999

An ideathon run on a hall's laptop and published on the central server from its results bundle
(ideaboard/hall/publish.py): when it was published, and the bundle's digest (the SHA-256 of its
manifest), so that the same bundle uploaded again changes nothing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ideathons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_offline_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('offline_bundle_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('ideathons', schema=None) as batch_op:
        batch_op.drop_column('offline_bundle_sha256')
        batch_op.drop_column('published_offline_at')
