"""Recording sessions to disk as they happen, and reading them back."""
