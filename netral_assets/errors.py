"""The one exception users see: a message in Indonesian that names the problem and the fix."""


class NetralError(Exception):
    """A problem caused by input or environment, reported to the user without a traceback."""
