"""How the challenge and market dialogue events in the audit log read on history pages.

The workflow actions are named here in the past tense: the table's own labels
are what the buttons say ("Send for approval"), the history says what was done.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.audit import register_action_labels

ACTION_LABELS = {
    # the challenge and its lifecycle (challenges/workflow.py)
    "challenge_created": _l("Created"),
    "challenge_updated": _l("Edited"),
    "challenge_amended": _l("Changed after publication, with a reason"),
    "submit_for_approval": _l("Sent for approval"),
    "return_to_draft": _l("Returned to draft"),
    "approve": _l("Approved for publication"),
    "start_dialogue": _l("Market dialogue started"),
    "open_call": _l("Call for proposals opened"),
    "close_call": _l("Call for proposals closed"),
    "start_evaluation": _l("Evaluation started"),
    "award": _l("Award decision signed"),
    "declare_unsuccessful": _l("Declared unsuccessful"),
    "start_piloting": _l("Piloting started"),
    "complete": _l("Marked completed"),
    "cancel": _l("Challenge cancelled"),
    # pilot sites' contact persons (challenges/services/sites.py)
    "site_host_changed": _l("Pilot site contact person changed"),
    "site_host_accepted": _l("Pilot site contact person accepted the invitation"),
    # market dialogue: events
    "dialogue_event_created": _l("Dialogue event added"),
    "dialogue_event_updated": _l("Dialogue event edited"),
    "dialogue_event_record_saved": _l("Event material and minutes saved"),
    "dialogue_event_published": _l("Event material and minutes published"),
    "dialogue_event_registered": _l("Registered for an event"),
    "dialogue_event_waitlisted": _l("Put on an event's waiting list"),
    "dialogue_event_registration_cancelled": _l("Event registration cancelled"),
    "dialogue_event_waitlist_promoted": _l("Moved up from an event's waiting list"),
    "dialogue_event_reminder_sent": _l("Event reminder sent"),
    "dialogue_event_cancelled": _l("Dialogue event cancelled"),
    "dialogue_event_messaged": _l("Message sent to an event's registrants"),
    # one-to-one meetings
    "meeting_slot_created": _l("Meeting time offered"),
    "meeting_slot_deleted": _l("Meeting time removed"),
    "meeting_booked": _l("Meeting booked"),
    "meeting_booking_cancelled": _l("Meeting booking cancelled"),
    "meeting_minutes_recorded": _l("Meeting minutes recorded"),
    "meeting_slots_created": _l("Series of meeting times offered"),
    "meeting_cancelled": _l("Booked meeting cancelled by the city"),
    # questions and answers
    "question_asked": _l("Question asked"),
    "question_answered": _l("Question answered"),
    "answer_published": _l("Answer published"),
    "question_reworded": _l("Question reworded before publishing"),
    # request for information and the dialogue summary
    "rfi_question_added": _l("RFI question added"),
    "rfi_question_updated": _l("RFI question edited"),
    "rfi_question_deleted": _l("RFI question removed"),
    "rfi_answered": _l("RFI answered"),
    "rfi_synthesis_saved": _l("RFI synthesis saved"),
    "rfi_synthesis_published": _l("RFI synthesis published"),
    "dialogue_summary_saved": _l("Dialogue summary saved"),
    "dialogue_summary_published": _l("Dialogue summary published"),
    # following and subscriptions (filed under the user)
    "challenge_followed": _l("Started following a challenge"),
    "challenge_unfollowed": _l("Stopped following a challenge"),
    "subscriptions_changed": _l("Subscriptions changed"),
    # demo data only (scripts/demo.py)
    "demo_time_travel": _l("Dates moved for the demo"),
}

register_action_labels(ACTION_LABELS)
