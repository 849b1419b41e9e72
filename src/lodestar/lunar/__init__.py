"""Lodestar lunar."""
