"""Market dialogue pages: the public dialogue and company actions, and the officer's pages.

Who gets what:
- Public pages (/challenges/<id>/dialogue, an event, its calendar file) follow the
  challenge: anyone who can view it; 404 otherwise.
- Company actions (register, book, ask, answer the RFI) need a login (visitors are
  sent to log in), a viewable challenge (404) and acting for a company (403).
- Officer pages (/manage/challenges/<id>/dialogue/...) are for the owning city's
  officers. The owning city's decision makers and admins, and platform admins,
  may open them read-only (forms hidden; posting gives 403). Anyone else gets
  404 for an unpublished challenge and 403 for a published one.
"""
from challenges.views.dialogue import (  # noqa: F401  (importing registers the routes)
    officer_events, officer_meetings, officer_questions, officer_records, public)
