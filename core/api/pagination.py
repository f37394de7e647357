"""Page-number pagination that refuses what its schema does not allow.

DRF's `PageNumberPagination` silently falls back to the default page size for a `page_size`
that is not an integer, or caps one above the maximum: a client asking for 500 rows gets 200
and no word about it, and the schema (integer 1–200) and the behaviour disagree. Here a
`page_size` or `page` that is not an integer in range is a 400 naming the parameter; a page
past the last one stays DRF's 404 ("Invalid page.").
"""
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def _strict_int(request, name, low, high):
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError({name: [f"Give {name} once."]})
    raw = values[0]
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValidationError({name: [f"{name} must be an integer from {low} to {high}."]})
    return int(raw)


class DefaultPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    max_page = 10**9

    def get_page_size(self, request):
        size = _strict_int(request, self.page_size_query_param, 1, self.max_page_size)
        return self.page_size if size is None else size

    def paginate_queryset(self, queryset, request, view=None):
        _strict_int(request, self.page_query_param, 1, self.max_page)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for p in params:
            if p["name"] == self.page_size_query_param:
                p["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            elif p["name"] == self.page_query_param:
                p["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page}
        return params
