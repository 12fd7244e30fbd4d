"""User-facing error types.

Every error a person can cause (bad file, wrong column, bad policy...) is raised as a
:class:`StewardError` subclass with a message written for that person. The UI shows
the message in an ``st.error`` box; the CLI prints it on one line and exits 2.
"""


class StewardError(Exception):
    """An error whose message is safe and useful to show to a user."""


class DatasetError(StewardError):
    """A dataset could not be read or does not have the expected shape."""


class ConfigError(StewardError):
    """A setting, policy or config file is invalid."""


class JobCancelled(Exception):
    """Raised inside a job when cancellation was requested (not an error)."""
