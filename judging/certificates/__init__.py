"""Certificates capability."""
