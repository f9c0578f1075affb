"""Pilot proposals: companies draft, submit and withdraw them; the city reads what was submitted (DESIGN.md 4)."""
