"""Assignment capability."""
