"""The accounts feature package."""
