"""Consolidation of ideas: the steering committee rates, the office selects (issue 8)."""
