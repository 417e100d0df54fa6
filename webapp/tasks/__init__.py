"""The tasks feature package."""
