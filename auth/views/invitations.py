"""Accounts pages: invitations (being written)."""
