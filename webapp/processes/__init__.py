"""The processes feature package."""
