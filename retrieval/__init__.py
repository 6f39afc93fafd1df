"""zhibiao retrieval."""
