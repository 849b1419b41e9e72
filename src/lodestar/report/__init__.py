"""Lodestar report."""
