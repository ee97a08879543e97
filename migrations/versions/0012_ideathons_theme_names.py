"""ideathons: theme names per language

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 18:20:00.000000

A theme remembers the default it was made from (`themes.default_key`, while the planner keeps the
default's name), and may have a name per interface language (`theme_names`), so that every viewer
reads the board in their own language (issue 17).

Existing themes still named as a default (in Spanish or English, the two catalogues of the time,
ignoring case, accents and surrounding spaces) get that default's key. The names below are frozen
copies: this migration must not change when the app's defaults do.

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

DEFAULTS = {
    "water": ("Agua y saneamiento", "Water and sanitation"),
    "waste": ("Desechos y limpieza", "Waste and street cleaning"),
    "market": ("Mercados y rastros", "Markets and slaughterhouses"),
    "road": ("Calles y caminos", "Streets and roads"),
    "light": ("Alumbrado público", "Street lighting"),
    "transport": ("Tránsito y transporte", "Traffic and transport"),
    "safety": ("Seguridad y convivencia", "Safety and community life"),
    "environment": ("Medio ambiente", "Environment"),
    "paperwork": ("Trámites, tasas e IUSI", "Procedures, fees and property tax (IUSI)"),
    "transparency": ("Transparencia y acceso a la información", "Transparency and access to information"),
    "other": ("Otro", "Other"),
}


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", (text or "").strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def upgrade():
    op.create_table('theme_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_theme_names_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_names')),
    sa.UniqueConstraint('theme_id', 'language', name='uq_theme_names_theme_language')
    )
    with op.batch_alter_table('theme_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_names_theme_id'), ['theme_id'], unique=False)

    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_key', sa.String(length=20), nullable=True))

    themes = sa.table('themes', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('default_key', sa.String))
    by_name = {_fold(name): key for key, names in DEFAULTS.items() for name in names}
    connection = op.get_bind()
    for theme_id, name in connection.execute(sa.select(themes.c.id, themes.c.name)).all():
        key = by_name.get(_fold(name))
        if key:
            connection.execute(themes.update().where(themes.c.id == theme_id).values(default_key=key))


def downgrade():
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_column('default_key')

    with op.batch_alter_table('theme_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_names_theme_id'))

    op.drop_table('theme_names')
