"""The error type for bad user input outside the model (experiment files, folders)."""


class UserError(ValueError):
    """Input the user can fix; the message is one line naming the field and what is allowed."""
