"""The one exception type the CLI turns into a one-line message and a non-zero exit."""


class FormcoachError(Exception):
    """A problem the user can fix; its message says what and how, in one line."""
