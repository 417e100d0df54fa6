"""Service layer: the only code views, the CLI and the worker call; each function is one transaction."""
