"""Submissions capability."""
