"""The challenge pages, one module per area; importing them registers their routes on `challenges.bp`."""
from challenges.views import catalogue, dialogue, manage  # noqa: F401
