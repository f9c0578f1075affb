"""Emails about proposals: the receipt a company gets at every submission (essential: it always arrives)."""
from __future__ import annotations

from auth.models import User
from core.links import absolute_url
from core.mail import queue_email
from pilots.proposals.models import Proposal, ProposalVersion


def send_receipt(proposal: Proposal, version: ProposalVersion, user: User) -> None:
    """The submitter's receipt: the submission time (Finnish time), the version and its SHA-256."""
    queue_email("proposal_submitted", to=user.email, locale=user.locale, recipient=user, proposal=proposal,
                version=version, challenge=proposal.challenge, organisation=proposal.organisation,
                link=absolute_url("pilots.proposal", proposal_id=proposal.id))
