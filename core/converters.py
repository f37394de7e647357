"""URL converters shared by the apps."""


class IdConverter:
    """A database id in a path: 1–18 digits (fits PostgreSQL's bigint), so a larger number is a
    404 from the URL resolver instead of an overflow in the database driver. In the OpenAPI
    schema: an integer 0 … 10^18 − 1 (`SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"]`)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(int(value))
