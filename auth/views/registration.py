"""Accounts pages: registration (being written)."""
