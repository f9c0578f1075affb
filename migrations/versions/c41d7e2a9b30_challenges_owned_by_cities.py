"""A challenge is owned by one or more cities: challenge_cities, and each pilot site belongs to one of them.

Every existing challenge's city becomes its lead (the only owner it has), and
each of its sites that city's. `challenges.city_id` stays as the lead city's copy
(challenges/ownership.py keeps the two together): rebuilding the challenges table
on SQLite would cascade deletes into every table that refers to it. A downgrade
keeps the lead and forgets partner cities and budget shares.

Revision ID: c41d7e2a9b30
Revises: 7d57e2fe0674
Create Date: 2026-11-30 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c41d7e2a9b30"
down_revision = "7d57e2fe0674"
branch_labels = None
depends_on = None

challenges = sa.table("challenges", sa.column("id", sa.Integer), sa.column("city_id", sa.Integer))
challenge_cities = sa.table("challenge_cities", sa.column("challenge_id", sa.Integer),
                            sa.column("city_id", sa.Integer), sa.column("lead", sa.Boolean))


def _owners_up() -> None:
    """The ownership table, each challenge's city its lead."""
    op.create_table(
        "challenge_cities",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("budget_share", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.CheckConstraint("budget_share IS NULL OR budget_share >= 0",
                           name=op.f("ck_challenge_cities_budget_share")),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"], ondelete="CASCADE",
                                name=op.f("fk_challenge_cities_challenge_id_challenges")),
        sa.ForeignKeyConstraint(["city_id"], ["organisations.id"],
                                name=op.f("fk_challenge_cities_city_id_organisations")),
        sa.PrimaryKeyConstraint("challenge_id", "city_id", name=op.f("pk_challenge_cities")),
    )
    with op.batch_alter_table("challenge_cities") as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_cities_city_id"), ["city_id"], unique=False)
        batch_op.create_index("uq_challenge_cities_lead", ["challenge_id"], unique=True,
                              sqlite_where=sa.text("lead"), postgresql_where=sa.text("lead"))
    op.execute(challenge_cities.insert().from_select(
        ["challenge_id", "city_id", "lead"], sa.select(challenges.c.id, challenges.c.city_id, sa.true())))


def _sites_up() -> None:
    """Each site belongs to its challenge's city, which the database holds to being an owner."""
    with op.batch_alter_table("pilot_sites") as batch_op:
        batch_op.add_column(sa.Column("city_id", sa.Integer(), nullable=True))
    op.execute("UPDATE pilot_sites SET city_id = "
               "(SELECT city_id FROM challenges WHERE challenges.id = pilot_sites.challenge_id)")
    with op.batch_alter_table("pilot_sites") as batch_op:
        batch_op.alter_column("city_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(op.f("fk_pilot_sites_challenge_id_challenge_cities"), "challenge_cities",
                                    ["challenge_id", "city_id"], ["challenge_id", "city_id"])


def upgrade():
    """Owners first: the sites refer to them."""
    _owners_up()
    _sites_up()


def downgrade():
    """Sites and challenges keep only the lead city (the challenge's own column already holds it)."""
    with op.batch_alter_table("pilot_sites") as batch_op:
        batch_op.drop_constraint(op.f("fk_pilot_sites_challenge_id_challenge_cities"), type_="foreignkey")
        batch_op.drop_column("city_id")
    with op.batch_alter_table("challenge_cities") as batch_op:
        batch_op.drop_index("uq_challenge_cities_lead", sqlite_where=sa.text("lead"),
                            postgresql_where=sa.text("lead"))
        batch_op.drop_index(batch_op.f("ix_challenge_cities_city_id"))
    op.drop_table("challenge_cities")
