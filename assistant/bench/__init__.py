"""Benchmarks: throughput, latency, memory, cold start."""
