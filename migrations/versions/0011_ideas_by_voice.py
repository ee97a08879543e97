"""ideas: ideas by voice

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:30:00.000000

An idea may come as a voice recording (an upload) that a moderator transcribes (issue 17):
whether it came by voice, its recording (removed after the retention period), and who
transcribed it and when.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_voice', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('audio_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transcribed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('transcribed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ideas_audio_id_uploads'), 'uploads', ['audio_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_ideas_transcribed_by_id_users'), 'users', ['transcribed_by_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ideas_transcribed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_ideas_audio_id_uploads'), type_='foreignkey')
        batch_op.drop_column('transcribed_by_id')
        batch_op.drop_column('transcribed_at')
        batch_op.drop_column('audio_id')
        batch_op.drop_column('from_voice')
