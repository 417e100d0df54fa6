"""Developer tools: the generator of the default process pack (diagrams, decision tables, forms)."""
