"""Data access: keyword-only functions, each one unit of work (api/data/session.py)."""
