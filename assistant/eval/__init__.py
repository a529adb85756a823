"""Evaluation: gold sets, the devset, metrics, the LangChain baseline, reports."""
