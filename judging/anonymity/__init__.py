"""Anonymity capability."""
