"""zhibiao ui."""
