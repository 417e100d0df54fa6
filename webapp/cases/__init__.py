"""The cases feature package."""
