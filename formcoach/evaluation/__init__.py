"""Scoring the coach against labelled footage (`formcoach eval`)."""
