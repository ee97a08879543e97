"""ideas: language and translations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:57:13.671259

The language each idea is written in (existing ideas: Spanish), and the moderation's translations
of an idea, kept apart from the original (issue 17).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idea_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.Column('text', sa.String(length=280), nullable=False),
    sa.Column('translated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_translations_idea_id_ideas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['translated_by_id'], ['users.id'], name=op.f('fk_idea_translations_translated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_translations')),
    sa.UniqueConstraint('idea_id', 'language', name='uq_idea_translations_idea_language')
    )
    with op.batch_alter_table('idea_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_translations_idea_id'), ['idea_id'], unique=False)

    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=12), server_default='es', nullable=False))



def downgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('idea_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_translations_idea_id'))

    op.drop_table('idea_translations')
