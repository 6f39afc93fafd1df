"""zhibiao eval."""
