"""Pilot site hosts become accounts, or invitations until they accept; cities hand out the host role.

The typed host_name and host_email of a site give way to host_id (an account)
and host_invitation_id (an invitation not yet accepted). An address that
already has an account is linked and given the city's new "host" role, audited
as the system's. Any other contact is kept in uninvited_host_name and
uninvited_host_email: nobody is emailed by a deployment, and the officer's next
save of the sites sends the invitation (the editor says so next to the contact).

Revision ID: 98a1984df4b2
Revises: 7e2b6c41d0a9
Create Date: 2026-11-29 11:00:04
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import core.models

revision = "98a1984df4b2"
down_revision = "7e2b6c41d0a9"
branch_labels = None
depends_on = None

OLD_ROLES = "'admin', 'officer', 'decision_maker', 'evaluator', 'owner', 'member'"
NEW_ROLES = OLD_ROLES + ", 'host'"

audit_entries = sa.table(
    "audit_entries", sa.column("created_at", core.models.UTCDateTime(timezone=True)),
    sa.column("action", sa.String), sa.column("object_type", sa.String), sa.column("object_id", sa.Integer),
    sa.column("data", sa.JSON),
)


def _now() -> datetime:
    """The current time as the app stores it: naive UTC in SQLite, aware in PostgreSQL."""
    now = datetime.now(timezone.utc)
    return now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else now


def _role_check(table: str, roles: str) -> None:
    """Replace the CHECK on a table's role column."""
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_role"), f"role IN ({roles})")


def _link_hosts() -> None:
    """Link each typed host to the account of its address, with the city's host role; keep the others."""
    conn = op.get_bind()
    sites = conn.execute(sa.text(
        "SELECT s.id, s.host_name, s.host_email, c.city_id FROM pilot_sites s "
        "JOIN challenges c ON c.id = s.challenge_id "
        "WHERE s.host_email IS NOT NULL OR s.host_name IS NOT NULL ORDER BY s.id")).all()
    for site_id, name, email, city_id in sites:
        email = (email or "").strip().lower() or None
        user_id = email and conn.scalar(sa.text(
            "SELECT id FROM users WHERE lower(email) = :email AND anonymised_at IS NULL"), {"email": email})
        if not user_id:
            conn.execute(sa.text("UPDATE pilot_sites SET uninvited_host_name = :name, uninvited_host_email = :email "
                                 "WHERE id = :id"), {"name": (name or "").strip() or None, "email": email,
                                                     "id": site_id})
            continue
        conn.execute(sa.text("UPDATE pilot_sites SET host_id = :user WHERE id = :id"), {"user": user_id, "id": site_id})
        added = conn.execute(sa.text(
            "INSERT INTO memberships (user_id, organisation_id, role, status, created_at) "
            "SELECT :user, :city, 'host', 'active', :now WHERE NOT EXISTS (SELECT 1 FROM memberships "
            "WHERE user_id = :user AND organisation_id = :city AND role = 'host')"),
            {"user": user_id, "city": city_id, "now": _now()}).rowcount
        if added:  # a role given without an actor is the system's, audited like any other
            conn.execute(audit_entries.insert().values(
                created_at=datetime.now(timezone.utc), action="membership_added", object_type="users",
                object_id=user_id, data={"organisation_id": city_id, "role": "host", "status": "active"}))


def _hosts_up() -> None:
    """The host columns, filled from the typed contacts, which are then dropped."""
    with op.batch_alter_table("pilot_sites") as batch_op:
        batch_op.add_column(sa.Column("host_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("host_invitation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("uninvited_host_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("uninvited_host_email", sa.String(length=254), nullable=True))
    _link_hosts()
    with op.batch_alter_table("pilot_sites") as batch_op:
        batch_op.create_index(op.f("ix_pilot_sites_host_id"), ["host_id"], unique=False)
        batch_op.create_index(op.f("ix_pilot_sites_host_invitation_id"), ["host_invitation_id"], unique=False)
        batch_op.create_foreign_key(op.f("fk_pilot_sites_host_invitation_id_invitations"), "invitations",
                                    ["host_invitation_id"], ["id"])
        batch_op.create_foreign_key(op.f("fk_pilot_sites_host_id_users"), "users", ["host_id"], ["id"])
        batch_op.create_check_constraint(op.f("ck_pilot_sites_one_host"),
                                         "host_id IS NULL OR host_invitation_id IS NULL")
        batch_op.create_check_constraint(
            op.f("ck_pilot_sites_uninvited_host_alone"),
            "uninvited_host_email IS NULL OR (host_id IS NULL AND host_invitation_id IS NULL)")
        batch_op.drop_column("host_email")
        batch_op.drop_column("host_name")


def _hosts_down() -> None:
    """Type the hosts back in (name and email of the account, the invitation or the uninvited contact)."""
    with op.batch_alter_table("pilot_sites") as batch_op:
        batch_op.add_column(sa.Column("host_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("host_email", sa.String(length=254), nullable=True))
    op.execute("UPDATE pilot_sites SET host_name = uninvited_host_name, host_email = uninvited_host_email")
    for source, column in (("users", "host_id"), ("invitations", "host_invitation_id")):
        op.execute(f"UPDATE pilot_sites SET "
                   f"host_name = (SELECT name FROM {source} WHERE {source}.id = pilot_sites.{column}), "
                   f"host_email = (SELECT email FROM {source} WHERE {source}.id = pilot_sites.{column}) "
                   f"WHERE {column} IS NOT NULL")
    with op.batch_alter_table("pilot_sites") as batch_op:
        batch_op.drop_constraint(op.f("ck_pilot_sites_uninvited_host_alone"), type_="check")
        batch_op.drop_constraint(op.f("ck_pilot_sites_one_host"), type_="check")
        batch_op.drop_constraint(op.f("fk_pilot_sites_host_id_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_pilot_sites_host_invitation_id_invitations"), type_="foreignkey")
        batch_op.drop_index(op.f("ix_pilot_sites_host_invitation_id"))
        batch_op.drop_index(op.f("ix_pilot_sites_host_id"))
        batch_op.drop_column("uninvited_host_email")
        batch_op.drop_column("uninvited_host_name")
        batch_op.drop_column("host_invitation_id")
        batch_op.drop_column("host_id")
    # The role goes with the feature: its memberships and invitations cannot stay.
    op.execute("DELETE FROM memberships WHERE role = 'host'")
    op.execute("DELETE FROM invitations WHERE role = 'host'")



def upgrade():
    """The host role, and hosts as accounts."""
    _role_check("memberships", NEW_ROLES)
    _role_check("invitations", NEW_ROLES)
    _hosts_up()


def downgrade():
    """Back to typed hosts, without the host role."""
    _hosts_down()
    _role_check("invitations", OLD_ROLES)
    _role_check("memberships", OLD_ROLES)
