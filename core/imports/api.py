"""The API side of the shared imports: ``import_actions`` adds ``POST …/<pk>/<url_path>/preview/`` and
``…/confirm/`` to a scoped viewset (the target is ``self.get_object()``: 404 for not visible), running the
same specs as the pages. A refused user gets 403 and nothing changes; a file the reader refuses, or a confirm
of a file with errors, gets 400 naming the rows, columns and reasons."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.imports.engine import run_import
from core.imports.registry import get_definition
from core.imports.spec import ImportResult
from core.uploads import UploadError


class ImportUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="Excel 工作簿（.xlsx；单表导入也可为 .csv）")


class ImportErrorSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text="文件中的行号")
    column = serializers.CharField(help_text="列名与列号，如“姓名 (A)”；空白为整行问题")
    message = serializers.CharField()


class ImportRowSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField()
    status = serializers.CharField(help_text="new 新增 · changed 修改 · unchanged 未变 · error 错误")
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]  # the roster API's key


class ImportSheetSerializer(serializers.Serializer[Any]):
    sheet = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rows = ImportRowSerializer(many=True)
    errors = serializers.ListField(  # type: ignore[assignment]  # the roster API's key
        child=serializers.CharField(), help_text="不属于某一行的问题"
    )


class ImportResultSerializer(serializers.Serializer[Any]):
    applied = serializers.BooleanField(help_text="已写入（仅确认且全部正确时）")
    counts = serializers.DictField(child=serializers.IntegerField())
    sheets = ImportSheetSerializer(many=True)


def result_data(result: ImportResult) -> dict[str, Any]:
    return {
        "applied": result.applied,
        "counts": result.counts(),
        "sheets": [
            {
                "sheet": p.sheet,
                "counts": p.counts(),
                "rows": [
                    {
                        "row": r.row_no,
                        "status": r.status,
                        "errors": [{"row": r.row_no, "column": c, "message": m} for c, m in r.errors],
                    }
                    for r in p.rows
                ],
                "errors": [str(e) for e in p.general_errors],
            }
            for p in result.previews
        ],
    }


_ERRORS = {
    400: OpenApiResponse(
        description="文件有误，或确认的文件有错误行（error.fields 指明行、列与原因），未保存任何数据"
    ),
    403: OpenApiResponse(description="无权导入"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}


def _run(view: Any, request: Request, kind: str, *, confirm: bool, detail: bool) -> ImportResult:
    definition = get_definition(kind)
    # A detail action imports into the viewset's object; a list action into the user's own (hospital).
    try:
        target = view.get_object() if detail else definition.target(request.user, 0)
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied() from exc
    upload = ImportUploadSerializer(data=request.data)
    upload.is_valid(raise_exception=True)
    file = upload.validated_data["file"]
    specs = definition.specs(request.user, target)
    try:
        return run_import(specs, f=file, name=file.name, confirm=confirm)
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc
    except UploadError as exc:
        raise exceptions.ValidationError({"file": [str(exc)]}) from exc


def import_actions(*, kind: str, url_path: str, title: str, detail: bool = True) -> tuple[Any, Any]:
    """The preview and confirm actions of import ``kind`` for a viewset, assigned to the attributes
    ``<url_path as name>_preview`` and ``…_confirm`` (DRF checks an action's name against its attribute)."""
    name = url_path.replace("-", "_").replace("/", "_")

    def preview(self: Any, request: Request, pk: str | None = None) -> Response:  # noqa: ARG001
        return Response(result_data(_run(self, request, kind, confirm=False, detail=detail)))

    def confirm(self: Any, request: Request, pk: str | None = None) -> Response:
        result = _run(self, request, kind, confirm=True, detail=detail)
        body = result_data(result)
        if not result.applied:
            bad = [r for sheet in body["sheets"] for r in sheet["rows"] if r["errors"]]
            general = [e for sheet in body["sheets"] for e in sheet["errors"]]
            return Response(
                {
                    "error": {
                        "code": "validation_error",
                        "message": "文件有错误，未导入任何数据。",
                        "fields": {"rows": bad, "non_field_errors": general},
                    }
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        counts = result.counts()
        changed = counts.get("new", 0) or counts.get("changed", 0) or counts.get("removed", 0)
        return Response(body, status=status.HTTP_201_CREATED if changed else status.HTTP_200_OK)

    preview.__name__ = f"{name}_preview"
    confirm.__name__ = f"{name}_confirm"
    preview_action = extend_schema(
        summary=f"{title}：预览（不保存）",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={200: ImportResultSerializer, **_ERRORS},
    )(
        action(
            detail=detail,
            methods=["post"],
            url_path=f"{url_path}/preview",
            url_name=f"{url_path}-preview",
            parser_classes=[MultiPartParser, FormParser],
            filter_backends=[],
            pagination_class=None,
        )(preview)
    )
    confirm_action = extend_schema(
        summary=f"{title}：确认导入（全部写入或全部不写入；重复确认不会重复写入）",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: ImportResultSerializer,
            200: OpenApiResponse(ImportResultSerializer, description="与已保存的数据相同，未作修改"),
            **_ERRORS,
        },
    )(
        action(
            detail=detail,
            methods=["post"],
            url_path=f"{url_path}/confirm",
            url_name=f"{url_path}-confirm",
            parser_classes=[MultiPartParser, FormParser],
            filter_backends=[],
            pagination_class=None,
        )(confirm)
    )
    return preview_action, confirm_action
