"""The errors of the experiment layer: bad input outside the model files (folders, flags), and a stopped study."""

from partnerships.model.errors import InputError


class UserError(InputError):
    """Input the user can fix; the message is one line naming the field and what is allowed."""


class SweepInterrupted(RuntimeError):
    """The study stopped early (Ctrl-C or a lost worker pool); finished runs are stored and it can resume."""
