"""Audit capability."""
