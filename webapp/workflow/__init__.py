"""The workflow feature package."""
