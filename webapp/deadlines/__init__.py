"""The deadlines feature package."""
