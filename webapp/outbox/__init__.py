"""The outbox feature package."""
