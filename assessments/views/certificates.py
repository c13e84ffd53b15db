"""基层帮扶工作经历证明: the printable page and its PDF (scoped), and the public verification page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from assessments.forms import VerifyForm
from assessments.models import Certificate
from assessments.services.certificates import certificate_is_valid, mask_name
from core.middleware import client_ip
from core.ratelimit import limit_per_client


def _context(request: HttpRequest, certificate: Certificate) -> dict[str, Any]:
    deployment = certificate.appraisal.deployment
    return {
        "c": certificate,
        "d": deployment,
        "staff": deployment.staff,
        "pairing": deployment.team.pairing,
        "valid": certificate_is_valid(certificate),
        "verify_url": request.build_absolute_uri(
            reverse("assessments:certificate_verify", args=[certificate.verification_code])
        ),
    }


def _certificate(request: HttpRequest, pk: int) -> Certificate:
    return get_object_or_404(
        Certificate.objects.for_user(request.user).select_related(
            "appraisal__deployment__staff",
            "appraisal__deployment__supporter",
            "appraisal__deployment__team__pairing__recipient",
            "appraisal__deployment__team__pairing__program",
        ),
        pk=pk,
    )


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request, "assessments/certificates/certificate.html", _context(request, _certificate(request, pk))
    )


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from weasyprint import HTML

    certificate = _certificate(request, pk)
    html = render_to_string(
        "assessments/certificates/certificate.html", _context(request, certificate) | {"pdf": True}
    )
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response


def _verify_rate() -> tuple[int, int]:
    return settings.CERTIFICATE_VERIFY_RATE  # type: ignore[no-any-return]


@never_cache
@limit_per_client(scope="certificate-verify", rate=_verify_rate, key=client_ip)
def certificate_verify(request: HttpRequest, code: str = "") -> HttpResponse:
    """Public (no login): anyone holding the code can check a certificate; the name is masked."""
    form = VerifyForm(request.GET or None, initial={"code": code})
    code = code or (form.cleaned_data["code"].strip() if form.is_valid() else "")
    certificate = None
    if code:
        certificate = (
            Certificate.objects.select_related(
                "appraisal__deployment__staff",
                "appraisal__deployment__supporter",
                "appraisal__deployment__team__pairing__recipient",
            )
            .filter(verification_code=code)
            .first()
        )
    context: dict[str, Any] = {"form": form, "code": code, "certificate": certificate}
    if certificate is not None:
        d = certificate.appraisal.deployment
        context |= {
            "valid": certificate_is_valid(certificate),
            "name": mask_name(d.staff.name),
            "supporter": d.supporter.name,
            "recipient": d.team.pairing.recipient.name,
            "start": d.start,
            "end": d.end,
        }
    return render(request, "assessments/certificates/verify.html", context)


urlpatterns = [
    path("certificates/verify/", certificate_verify, name="certificate_verify"),
    path("certificates/verify/<str:code>/", certificate_verify, name="certificate_verify"),
    path("certificates/<int:pk>/", certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/pdf/", certificate_pdf, name="certificate_pdf"),
]
