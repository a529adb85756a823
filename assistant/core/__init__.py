"""Core records, settings and errors shared by every stage."""
