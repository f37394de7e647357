from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from core.api.exceptions import json_404, json_500


def healthz(request):
    """Liveness + database check for load balancers."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return render(request, "404.html", status=404)


def handler500(request):
    if request.path.startswith("/api/"):
        return json_500(request)
    return render(request, "500.html", status=500)
