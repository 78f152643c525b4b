"""Results capability."""
