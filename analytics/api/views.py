"""/api/analytics/: one read-only endpoint per KPI (JSON, or CSV with ?format=csv), plus an index.

Access: catalog KPIs are public (they describe the public catalog); viewing KPIs describe
viewers' behaviour and are staff-only (`IsAdminUser`).
"""
import csv
import io

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import kpis
from analytics.api.serializers import ENVELOPES, ErrorSerializer, KpiIndexSerializer
from analytics.selectors.cache import cache_version
from core.api.fields import query_data


class KpiCsvRenderer(BaseRenderer):
    """Renders a list of flat dicts (the KPI's CSV table) as CSV with a header row."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data or {}]
        buf = io.StringIO()
        cols = kpis.rows_columns(rows)
        w = csv.writer(buf)
        w.writerow(cols)
        for r in rows:
            w.writerow([kpis.csv_cell(r.get(c)) for c in cols])
        return buf.getvalue().encode("utf-8")


FORMAT_PARAM = OpenApiParameter("format", str, enum=["json", "csv"], required=False,
                                description="`csv` returns the KPI's table as CSV (text/csv) instead of JSON.")
ERRORS = {
    (400, "application/json"): ErrorSerializer,
    (401, "application/json"): ErrorSerializer,
    (403, "application/json"): ErrorSerializer,
}


def kpi_payload(kpi, filters, options, data) -> dict:
    return {
        "kpi": kpi.slug, "section": kpi.section, "title": kpi.title,
        "filters": filters.as_dict(), "options": options, "ignored_filters": list(kpi.ignores),
        "readings": kpis.kpi_readings(kpi.slug, filters, data),
        "csv_url": reverse("analytics:export", args=[kpi.slug]),
        "data": data,
    }


class KpiApi(APIView):
    kpi_slug: str = ""
    renderer_classes = [JSONRenderer, KpiCsvRenderer]

    def get_permissions(self):
        return [AllowAny()] if kpis.KPIS[self.kpi_slug].section == kpis.CATALOG else [IsAdminUser()]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON, even when CSV was asked for.
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None) is not None \
                and request.accepted_renderer.format == "csv":
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def get(self, request):
        if request.query_params.get("format") == "":  # DRF reads a blank format as "the default"
            raise ValidationError({"format": ["format must be json or csv."]})
        kpi = kpis.KPIS[self.kpi_slug]
        filters, options = kpi.parse(query_data(request.query_params), blank_is_unset=False)
        data = kpis.kpi_data(kpi.slug, filters, options)
        if request.accepted_renderer.format == "csv":
            resp = Response(kpis.kpi_rows(kpi.slug, data))
            resp["Content-Disposition"] = f'attachment; filename="{kpi.slug}.csv"'
            return resp
        return Response(ENVELOPES[kpi.slug](kpi_payload(kpi, filters, options, data)).data)


def _make_view(kpi):
    access = "Public." if kpi.section == kpis.CATALOG else "Staff only (is_staff)."
    ignored = f" Ignores the `{'`, `'.join(kpi.ignores)}` filter." if kpi.ignores else ""
    def get(self, request, *args, **kwargs):
        return KpiApi.get(self, request, *args, **kwargs)

    # The schema goes on the method (one function per KPI), not on the class: drf-spectacular
    # warns (W002) that an operation_id on a view class may break the schema.
    get = extend_schema(
        operation_id=f"analytics_{kpi.section}_{kpi.slug.replace('-', '_')}",
        summary=kpi.title, description=f"{kpi.description} {access}{ignored} Definitions: docs/analytics.md.",
        parameters=[kpi.options_serializer, FORMAT_PARAM],
        responses={(200, "application/json"): ENVELOPES[kpi.slug], (200, "text/csv"): OpenApiTypes.STR, **ERRORS},
        tags=["analytics"],
    )(get)
    name = "".join(p.capitalize() for p in kpi.slug.split("-")) + "KpiApi"
    return type(name, (KpiApi,), {"kpi_slug": kpi.slug, "get": get})


VIEWS = {slug: _make_view(k) for slug, k in kpis.KPIS.items()}


class KpiIndexApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="analytics_index", summary="Analytics KPIs", responses={200: KpiIndexSerializer},
                   tags=["analytics"])
    def get(self, request):
        rows = [{"kpi": k.slug, "section": k.section, "title": k.title, "description": k.description,
                 "url": reverse(f"api:analytics-{k.slug}"), "csv_url": reverse("analytics:export", args=[k.slug]),
                 "access": "public" if k.section == kpis.CATALOG else "staff"} for k in kpis.KPIS.values()]
        return Response(KpiIndexSerializer({"kpis": rows, "cache_version": cache_version()}).data)
