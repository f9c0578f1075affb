"""How proposal events in the audit log read on history pages (the table's actions in the past tense)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.audit import register_action_labels

ACTION_LABELS = {
    "proposal_started": _l("Proposal started"),
    "proposal_saved": _l("Proposal saved"),
    "submit_proposal": _l("Proposal submitted"),
    "resubmit_proposal": _l("Edited proposal submitted"),
    "withdraw_proposal": _l("Proposal withdrawn"),
    "declare_eligible": _l("Proposal declared eligible"),
    "declare_ineligible": _l("Proposal declared ineligible"),
    "shortlist": _l("Proposal shortlisted"),
    "select_proposal": _l("Proposal selected"),
    "not_select_proposal": _l("Proposal not selected"),
    "accept_selection": _l("Selection accepted by the company"),
    "decline_selection": _l("Selection declined by the company"),
}

register_action_labels(ACTION_LABELS)
