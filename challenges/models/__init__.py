"""The models of the challenges package."""
from challenges.models.attachment import Attachment
from challenges.models.challenge import (PUBLIC_STATES, Challenge, ChallengeCity, ChallengeState, Compensation,
                                         CriteriaTemplate, Criterion, PilotKind, PilotSite, SiteKind, Theme)
from challenges.models.dialogue import (DialogueEvent, EventKind, EventRegistration, MeetingSlot, Question,
                                        RegistrationStatus, RfiQuestion, RfiResponse)
from challenges.models.following import Follow, Subscription

__all__ = [
    "PUBLIC_STATES", "Attachment", "Challenge", "ChallengeCity", "ChallengeState", "Compensation",
    "CriteriaTemplate", "Criterion", "PilotKind", "PilotSite", "SiteKind", "Theme", "DialogueEvent", "EventKind", "EventRegistration",
    "MeetingSlot", "Question", "RegistrationStatus", "RfiQuestion", "RfiResponse", "Follow", "Subscription",
]
