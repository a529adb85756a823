"""Answering: sentence ranking, generators (extractive, LLM) and the citation check."""
