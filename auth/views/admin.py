"""Accounts pages: admin (being written)."""
