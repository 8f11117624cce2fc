"""Feedback: the overlay drawn on each frame, the cue policy and the speech worker."""
