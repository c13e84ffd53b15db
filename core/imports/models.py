"""The stored upload behind an import's preview page: the file kept between preview and confirm."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.access import AnyUser, is_global


class ImportUploadQuerySet(models.QuerySet["ImportUpload"]):
    def for_user(self, user: AnyUser | None) -> ImportUploadQuerySet:
        """An upload is its uploader's working copy (full IDs and phones): only they reach it. What the
        upload may do is checked again by the import's spec on every preview, error file and confirm."""
        if user is None or not user.is_authenticated:
            return self.none()
        if is_global(user):
            return self
        return self.filter(created_by_id=user.pk)


class ImportUpload(models.Model):
    kind = models.CharField(_("类型"), max_length=40)
    # The object imported into (a roster, a program, an agreement …); 0 when the import has none.
    target_id = models.PositiveBigIntegerField(_("对象"), default=0)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    objects: Any = ImportUploadQuerySet.as_manager()

    class Meta:
        app_label = "core"
        verbose_name = _("导入文件")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "target_id"], name="core_importupload_kind_target")]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"
