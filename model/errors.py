"""The base of every error a user can fix: a parameter, a scenario, a file, a folder.

Subclasses: :class:`~partnerships.model.parameters.ParameterError`, :class:`~partnerships.model.scenarios.RegionError`,
:class:`~partnerships.model.schema.FileError` and :class:`~partnerships.experiments.errors.UserError`. The CLI
(and any other front end) catches this one class and shows its message, which is one line naming the
field and what is allowed.
"""


class InputError(ValueError):
    """Input the user can fix; the message is one line naming the field and what is allowed."""
