"""Proposals, evaluation, pilots, surveys, decisions, procurement and open data (DESIGN.md sections 2, 4, 6).

The package fills in with the proposals and pilots issues; it imports core, auth and challenges only.
"""
