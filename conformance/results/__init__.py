"""Outcomes of checks, expectations applied to them, and the results.json contract."""
