"""One family of domain errors.

Services raise these; the API turns them into 4xx JSON bodies, the UI into a message on the
page, management commands into a non-zero exit with a line naming file, line and field.
"""


class ApplicationError(Exception):
    """A domain error with a message users can act on."""

    status_code = 400
    code = "invalid"

    def __init__(self, message, *, field=None, extra=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}

    def as_dict(self):
        body = {"detail": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class ValidationFailed(ApplicationError):
    """Input failed validation; `errors` maps fields (or item indexes) to messages."""

    def __init__(self, message, *, errors=None, field=None, **extra):
        super().__init__(message, field=field, extra={**({"errors": errors} if errors else {}), **extra})
        self.errors = errors or {}


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class SourceError(ApplicationError):
    """A problem in an input file: names the file, the line and the field."""

    def __init__(self, message, *, path=None, line=None, field=None):
        where = ":".join(str(x) for x in (path, line) if x is not None)
        prefix = f"{where}: " if where else ""
        suffix = f" (field {field!r})" if field else ""
        super().__init__(f"{prefix}{message}{suffix}", field=field)
        self.path, self.line, self.reason = path, line, message
