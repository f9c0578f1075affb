"""The models of the challenges package."""
from challenges.models.attachment import Attachment
from challenges.models.challenge import (COMPENSATION_LABELS, PILOT_KIND_LABELS, PUBLIC_STATES, SITE_KIND_LABELS,
                                         STATE_LABELS, Challenge, ChallengeState, Compensation, CriteriaTemplate,
                                         Criterion, PilotKind, PilotSite, SiteKind, Theme)
from challenges.models.dialogue import (EVENT_KIND_LABELS, DialogueEvent, EventKind, EventRegistration,
                                        MeetingSlot, Question, RegistrationStatus, RfiQuestion, RfiResponse)
from challenges.models.following import Follow, Subscription

__all__ = [
    "COMPENSATION_LABELS", "PILOT_KIND_LABELS", "PUBLIC_STATES", "SITE_KIND_LABELS", "STATE_LABELS",
    "Attachment", "Challenge", "ChallengeState", "Compensation", "CriteriaTemplate", "Criterion", "PilotKind",
    "PilotSite", "SiteKind", "Theme", "EVENT_KIND_LABELS", "DialogueEvent", "EventKind", "EventRegistration",
    "MeetingSlot", "Question", "RegistrationStatus", "RfiQuestion", "RfiResponse", "Follow", "Subscription",
]
