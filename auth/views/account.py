"""Accounts pages: account (being written)."""
