"""Input and output schemas of the REST API: one ``…In`` and one ``…Out`` per operation."""
