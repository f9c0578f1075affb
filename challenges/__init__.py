"""Challenges, market dialogue, the public catalogue and subscriptions (DESIGN.md sections 2, 3, 6).

The package fills in with the challenges issue; it imports core and auth only.
"""
