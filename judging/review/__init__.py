"""Review capability."""
