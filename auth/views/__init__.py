"""The accounts pages, one module per area; importing them registers their routes on `auth.bp`."""
from auth.views import account, admin, invitations, login, registration  # noqa: F401
