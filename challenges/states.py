"""A challenge's states and what each allows: the one table the model's constraints, the permissions,
the catalogue, the dialogue and every version of the workflow (challenges/workflow.py) read.

The model imports this module, and the workflow imports the model, so the rows live here.
Attributes beyond the engine's flags (`attrs`):
- dialogue_runs: events, one-to-one meeting slots and the request for information run;
- takes_questions: companies ask questions and answers are published;
- cancellable: the challenge can still be cancelled (any state before the award, DESIGN.md section 2);
- catalogue: the group the public catalogue's status filter puts the state in.

Awaiting approval is not editable: the decision maker approves what they read, so
an officer who wants to change it returns it to draft first (`return_to_draft`).
Public labels are the public's own words: a company never reads "Approved".
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.workflow import State, StateEnum


class ChallengeState(StateEnum):
    """Where a challenge is in its lifecycle (DESIGN.md section 2), in lifecycle order."""

    DRAFT = State("draft", _l("Draft"), editable=True, attrs={"cancellable": True})
    AWAITING_APPROVAL = State("awaiting_approval", _l("Awaiting approval"), attrs={"cancellable": True})
    APPROVED = State("approved", _l("Approved"), public_label=_l("Published"), editable=True, public=True,
                     attrs={"cancellable": True, "dialogue_runs": True, "catalogue": "dialogue"})
    MARKET_DIALOGUE = State("market_dialogue", _l("Market dialogue"),
                            public_label=_l("Market dialogue under way"), editable=True, public=True,
                            attrs={"cancellable": True, "dialogue_runs": True, "takes_questions": True,
                                   "catalogue": "dialogue"})
    OPEN = State("open", _l("Open for proposals"), editable=True, public=True, locked=True,
                 attrs={"cancellable": True, "takes_questions": True, "catalogue": "open"})
    CLOSED = State("closed", _l("Closed"), public_label=_l("Closed for proposals"), public=True, locked=True,
                   attrs={"cancellable": True, "catalogue": "evaluation"})
    EVALUATION = State("evaluation", _l("Evaluation"), public_label=_l("Proposals being evaluated"),
                       public=True, locked=True, attrs={"cancellable": True, "catalogue": "evaluation"})
    AWARDED = State("awarded", _l("Awarded"), public_label=_l("Pilots selected"), public=True, locked=True,
                    attrs={"catalogue": "piloting"})
    UNSUCCESSFUL = State("unsuccessful", _l("Unsuccessful"), public_label=_l("Ended without a result"),
                         public=True, locked=True, terminal=True, attrs={"catalogue": "ended"})
    PILOTING = State("piloting", _l("Piloting"), public_label=_l("Pilots under way"), public=True, locked=True,
                     attrs={"catalogue": "piloting"})
    COMPLETED = State("completed", _l("Completed"), public_label=_l("Pilots completed"), public=True, locked=True,
                      terminal=True, attrs={"catalogue": "completed"})
    # Public only if it was ever published (Challenge.published_at); criteria stay as they were.
    CANCELLED = State("cancelled", _l("Cancelled"), public=True, terminal=True, attrs={"catalogue": "ended"})
