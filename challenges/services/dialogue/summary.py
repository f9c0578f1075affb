"""The dialogue summary: what was learned and what changed, required before the call opens."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from auth.models import User
from challenges.models import Challenge
from challenges.services.dialogue.common import _require_recording, set_versions
from core import audit
from core.models import lock_row, utcnow
from core.refusals import refuse_if

# --- dialogue summary -------------------------------------------------------------------------

def save_dialogue_summary(challenge: Challenge, summary: str | None, changes: str | None, publish: bool,
                          actor: User, versions: dict[str, str | None] | None = None) -> Challenge:
    """Write what was learned and what changed (versions: in Swedish and English); publish before the call."""
    lock_row(challenge)  # of simultaneous first publications, one is audited as the publication
    _require_recording(challenge, "summary")
    summary, changes = (summary or "").strip() or None, (changes or "").strip() or None
    refuse_if((publish or challenge.dialogue_summary_published_at is not None) and not summary,
              _l("Write what was learned in the dialogue."), "summary")
    challenge.dialogue_summary, challenge.dialogue_changes = summary, changes
    set_versions(challenge, versions, ("dialogue_summary", "dialogue_changes"))
    first = publish and challenge.dialogue_summary_published_at is None
    if first:
        challenge.dialogue_summary_published_at = utcnow()
    audit.record("dialogue_summary_published" if first else "dialogue_summary_saved", challenge, actor)
    return challenge
