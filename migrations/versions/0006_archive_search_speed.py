"""archive search speed: the archive's order as an index; PostgreSQL's search vector stored

Revision ID: 0006
Revises: 0005

Measured in docs/benchmarks.md, "Archive search (100,000 proposals)".
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_proposals_rank", "proposals", ["votes", "id", "ideathon_id"])
    if op.get_bind().dialect.name == "postgresql":
        # The text is parsed once, when written, instead of at every search that starts from another index.
        op.execute("DROP INDEX ix_proposals_search")
        op.execute("ALTER TABLE proposals ADD COLUMN search_vector tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED")
        op.execute("CREATE INDEX ix_proposals_search ON proposals USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_proposals_search")
        op.execute("ALTER TABLE proposals DROP COLUMN search_vector")
        op.execute("CREATE INDEX ix_proposals_search ON proposals USING gin (to_tsvector('simple', search_text))")
    op.drop_index("ix_proposals_rank", table_name="proposals")
