"""Reject input no database can store before it reaches a view."""
from django.http import HttpResponseBadRequest, JsonResponse


class RejectNulBytesMiddleware:
    """NUL characters in the path or the query string ⇒ 400 (PostgreSQL cannot store them in text)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            body = {"detail": "NUL characters are not allowed in URLs.", "code": "invalid"}
            if request.path.startswith("/api/"):
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(body["detail"])
        return self.get_response(request)
