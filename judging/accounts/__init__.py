"""Accounts capability."""
