"""Competitions capability."""
