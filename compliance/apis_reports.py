"""GET /api/v1/reports/{kind}/?format=csv|xlsx|pdf&as_of=YYYY-MM-DD&scenario=...

CSV streams row by row; XLSX and PDF are written to a temporary file and sent. Every export is
scoped by the visibility selectors and audited with its manifest.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.audit.context import in_current_context
from compliance.models import ReportExport
from compliance.selectors import report_exports_visible_to
from compliance.services.report_rows import FORMATS, KINDS, ReportRequest
from compliance.services.reports import (
    report_export_path,
    report_export_request,
    report_stream_csv,
    report_write,
)
from projects.errors import ApplicationError

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# The file types an export answers with, as the schema documents them (issue 20 §6: every
# response conforms to the published schema).
FILE_RESPONSES: dict[Any, Any] = {
    (200, ct.split(";")[0]): OpenApiTypes.BINARY for ct in CONTENT_TYPES.values()
}
FILTERS = ("scenario", "severity", "status", "review_status", "rule", "sponsor", "department")


def _report_request(request: Request, kind: str) -> ReportRequest:
    """Query parameters → a validated ReportRequest (400 on bad input, 403 when forbidden)."""
    fmt = request.query_params.get("format", "csv")
    raw_as_of = request.query_params.get("as_of")
    try:
        as_of = date.fromisoformat(raw_as_of) if raw_as_of else None
    except ValueError as exc:
        raise ValidationError({"as_of": "expected YYYY-MM-DD"}) from exc
    filters = {f: request.query_params[f] for f in FILTERS if request.query_params.get(f)}
    req = ReportRequest(kind, fmt, request.user, as_of, filters)
    try:
        req.validate()
    except ApplicationError as exc:
        raise ValidationError({"detail": exc.message}) from exc
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    return req


class _IgnoreFormatParam(DefaultContentNegotiation):
    """?format= names the export format here, not a DRF renderer."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class ReportApi(APIView):
    content_negotiation_class = _IgnoreFormatParam
    renderer_classes = [JSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(FORMATS)),
            OpenApiParameter("as_of", str, description="YYYY-MM-DD"),
            *[OpenApiParameter(f, str) for f in FILTERS],
        ],
        responses=FILE_RESPONSES,
    )
    def get(self, request: Request, kind: str) -> HttpResponseBase:
        req = _report_request(request, kind)
        fmt = req.fmt
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        filename = f"grantcheck-{kind}-{stamp}.{fmt}"
        if fmt == "csv":
            # The rows and the audited manifest are written after the view returns: in the
            # view's context, so the export names its user, request id and address.
            response: HttpResponseBase = StreamingHttpResponse(
                in_current_context(
                    report_stream_csv(
                        req, filename=filename, bom=request.query_params.get("bom") == "1"
                    )
                ),
                content_type=CONTENT_TYPES[fmt],
            )
        else:
            tmp = Path(tempfile.mkdtemp(prefix="grantcheck-export-")) / filename
            manifest = report_write(req, tmp)
            response = FileResponse(_SelfCleaningFile(tmp), content_type=CONTENT_TYPES[fmt])
            response["X-Manifest-SHA256"] = manifest.files[filename]
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


KIND_PATTERN = "|".join(KINDS)


class _SelfCleaningFile(io.FileIO):
    """The export's temporary file; removed with its folder once the response is sent."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "rb")
        self._path = path

    def close(self) -> None:
        super().close()
        shutil.rmtree(self._path.parent, ignore_errors=True)


class ReportExportSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ReportExport
        fields = [
            "id",
            "kind",
            "format",
            "filters",
            "as_of",
            "status",
            "manifest",
            "error",
            "created_at",
            "finished_at",
            "download",
        ]

    def get_download(self, obj: ReportExport) -> str | None:
        if obj.status != ReportExport.Status.DONE:
            return None
        return reverse("report-export-download", kwargs={"pk": obj.pk})


class ReportExportStartApi(APIView):
    """POST /api/v1/reports/{kind}/exports/ — run a large export in the background."""

    # An export reads: auditors' (read-only) tokens may start one.
    read_only_tokens_allowed = True

    content_negotiation_class = _IgnoreFormatParam
    renderer_classes = [JSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(FORMATS)),
            OpenApiParameter("as_of", str),
            *[OpenApiParameter(f, str) for f in FILTERS],
        ],
        request=None,
        responses={202: ReportExportSerializer},
    )
    def post(self, request: Request, kind: str) -> Response:
        req = _report_request(request, kind)
        export = report_export_request(req)
        export.refresh_from_db()
        return Response(ReportExportSerializer(export).data, status=202)


class ReportExportViewSet(viewsets.ReadOnlyModelViewSet):
    """A user sees and downloads the exports they asked for (others get 404)."""

    serializer_class = ReportExportSerializer
    queryset = ReportExport.objects.none()

    def get_queryset(self) -> Any:
        return report_exports_visible_to(user=self.request.user)

    @extend_schema(responses={**FILE_RESPONSES, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(
        self, request: Request, pk: str | None = None, format: str | None = None
    ) -> HttpResponseBase:
        export = self.get_object()
        if export.status != ReportExport.Status.DONE:
            return Response({"detail": f"The export is {export.status}."}, status=409)
        response = FileResponse(
            report_export_path(export).open("rb"), content_type=CONTENT_TYPES[export.format]
        )
        response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
        return response
