"""Errors a user can fix: a bad config, a bad input file, inputs that do not fit together.

The CLI and the Snakefile report these in one line naming the cause; anything else is a bug
and keeps its traceback.
"""


class UserError(Exception):
    pass


class InputError(UserError, ValueError):
    """Input files that cannot be used as they are (the message names the file or line)."""
