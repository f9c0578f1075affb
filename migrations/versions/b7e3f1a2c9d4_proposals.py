"""Pilot proposals and their submitted versions (issue 11, first step).

One proposal per company and challenge (a unique constraint); each submission keeps
its content as JSON with the SHA-256 given on the receipt. New tables only, so the
same operations run on SQLite and PostgreSQL.

Revision ID: b7e3f1a2c9d4
Revises: d5a1e0c7b2f4
Create Date: 2026-11-29 16:08:00
"""
from alembic import op
import sqlalchemy as sa

import core.models


revision = 'b7e3f1a2c9d4'
down_revision = 'd5a1e0c7b2f4'
branch_labels = None
depends_on = None


def upgrade():
    """Create the proposals and proposal_versions tables."""
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('workflow', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('solution', sa.Text(), nullable=False),
    sa.Column('maturity', sa.Text(), nullable=False),
    sa.Column('plan_what', sa.Text(), nullable=False),
    sa.Column('plan_where', sa.Text(), nullable=False),
    sa.Column('plan_with_whom', sa.Text(), nullable=False),
    sa.Column('plan_when', sa.Text(), nullable=False),
    sa.Column('kpis', sa.Text(), nullable=False),
    sa.Column('end_user_participation', sa.Text(), nullable=False),
    sa.Column('partners', sa.Text(), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('data_processing', sa.String(length=16), nullable=False),
    sa.Column('data_processing_details', sa.Text(), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('criterion_answers', sa.JSON(), nullable=False),
    sa.Column('secret_sections', sa.JSON(), nullable=False),
    sa.Column('state_reason', sa.Text(), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("data_processing IN ('none', 'processes')", name=op.f('ck_proposals_data_processing')),
    sa.CheckConstraint("language IN ('fi', 'sv', 'en')", name=op.f('ck_proposals_language')),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'withdrawn', 'eligible', 'ineligible', 'shortlisted', 'selected', 'not_selected', 'accepted', 'declined')", name=op.f('ck_proposals_state')),
    sa.CheckConstraint('price IS NULL OR price >= 0', name=op.f('ck_proposals_price')),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_proposals_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_proposals_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_proposals_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('challenge_id', 'organisation_id', name='uq_proposals_challenge_organisation')
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_challenge_state', ['challenge_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('proposal_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_versions_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_proposal_versions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_versions')),
    sa.UniqueConstraint('proposal_id', 'number', name='uq_proposal_versions_number')
    )


def downgrade():
    """Drop them again, versions first."""
    op.drop_table('proposal_versions')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_organisation_id'))
        batch_op.drop_index('ix_proposals_challenge_state')

    op.drop_table('proposals')
