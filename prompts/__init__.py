"""zhibiao prompts."""
