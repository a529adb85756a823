"""Ingest: load a file, clean it, describe it from its own text, chunk it, and index it."""
