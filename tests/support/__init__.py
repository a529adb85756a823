"""Helpers shared by tests and scripts (server processes)."""
