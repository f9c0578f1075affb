"""A pilot proposal's states and what each allows: the one table the model's constraint, the permissions
and the workflow (pilots/proposals/workflow.py) read.

Attributes beyond the engine's flags (`attrs`):
- submitted: the city's staff may read it (it was sent and not taken back).
The states after `submitted` are declared now so that the table's shape is fixed; the
evaluation and decision steps of issue 11 add the transitions into them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.workflow import State, StateEnum


class ProposalState(StateEnum):
    """Where a proposal is, in the order it gets there (DESIGN.md sections 2 and 4)."""

    DRAFT = State("draft", _l("Draft"), editable=True)
    SUBMITTED = State("submitted", _l("Submitted"), editable=True, attrs={"submitted": True})
    WITHDRAWN = State("withdrawn", _l("Withdrawn"), editable=True)
    ELIGIBLE = State("eligible", _l("Eligible"), locked=True, attrs={"submitted": True})
    INELIGIBLE = State("ineligible", _l("Ineligible"), locked=True, terminal=True, attrs={"submitted": True})
    SHORTLISTED = State("shortlisted", _l("Shortlisted"), locked=True, attrs={"submitted": True})
    SELECTED = State("selected", _l("Selected"), locked=True, attrs={"submitted": True})
    NOT_SELECTED = State("not_selected", _l("Not selected"), locked=True, terminal=True,
                         attrs={"submitted": True})
    ACCEPTED = State("accepted", _l("Accepted by the company"), locked=True, terminal=True,
                     attrs={"submitted": True})
    DECLINED = State("declined", _l("Declined by the company"), locked=True, terminal=True,
                     attrs={"submitted": True})
