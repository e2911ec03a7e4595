"""events as a third record kind (their details in one child table); the partners under their own names

Revision ID: 0004_kinds_events
Revises: 0006_learning
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_kinds_events"
down_revision = "0006_learning"
branch_labels = None
depends_on = None

# slug (kept: it is the organisation's stable id) -> (name, short name) as the project sheet gives them.
PARTNER_NAMES = {
    "enm": ("Ente Nazionale per il Microcredito", "ENM"),
    "roma-training-centre": ("Ce.S.F.Or – Centro Studi Formazione Orientamento", "Ce.S.F.Or"),
    "euromed-network": ("Mediter – Réseau Euro-Méditerranéen pour la Coopération", "Mediter"),
    "accion-contra-el-hambre": ("Acción contra el Hambre", "ACH"),
    "madrid-migration-ngo": ("Nantik Lum", "Nantik Lum"),
    "leipzig-education": ("Wisamar Bildungsgesellschaft gemeinnützige GmbH", "Wisamar"),
}
# The names they had before, so a downgrade puts them back.
OLD_NAMES = {
    "roma-training-centre": ("Centro di formazione e orientamento (Roma)", "CFO Roma"),
    "euromed-network": ("Réseau de coopération euro-méditerranéenne (Bruxelles)", "EuroMed Network"),
    "madrid-migration-ngo": ("ONG de desarrollo y migraciones (Madrid)", "ONGD Madrid"),
    "leipzig-education": ("Gemeinnützige Bildungsgesellschaft (Leipzig)", "Bildung Leipzig"),
}


def _rename(names: dict[str, tuple[str, str]]) -> None:
    organisations = sa.table("organisations", sa.column("slug", sa.String), sa.column("name", sa.String),
                             sa.column("short_name", sa.String))
    for slug, (name, short_name) in names.items():
        op.execute(organisations.update().where(organisations.c.slug == slug)
                   .values(name=name, short_name=short_name))


def upgrade() -> None:
    op.create_table(
        "event_details",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=30), nullable=True),
        sa.Column("venue", sa.String(length=200), nullable=True),
        sa.Column("starts_at", sa.String(length=16), nullable=True),
        sa.Column("ends_at", sa.String(length=16), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=True),
        sa.Column("audiences", sa.JSON(), nullable=True),
        sa.Column("co_organisers", sa.JSON(), nullable=True),
        sa.Column("programme", sa.JSON(), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=True),
        sa.Column("outcomes", sa.Text(), nullable=True),
        sa.Column("registration_url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_event_details_record_id_records"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_event_details")),
    )
    with op.batch_alter_table("event_details") as batch_op:
        batch_op.create_index(batch_op.f("ix_event_details_starts_at"), ["starts_at"], unique=False)
    _rename(PARTNER_NAMES)


def downgrade() -> None:
    _rename(OLD_NAMES)
    op.drop_table("event_details")
