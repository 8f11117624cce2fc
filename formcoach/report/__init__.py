"""Reports on recorded sessions: one session's page, and the progress history across them."""

from formcoach.report.history import write_history
from formcoach.report.pain import load_pain, save_pain
from formcoach.report.session import write_session_report

__all__ = ["load_pain", "save_pain", "write_history", "write_session_report"]
