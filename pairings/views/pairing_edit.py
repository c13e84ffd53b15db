"""Edit a pairing (supporters, lead, kind of assistance, status) — province staff, through the service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.permissions import is_province_staff
from pairings.choices import HospitalRole
from pairings.forms import PairingEditForm
from pairings.models import Hospital, Pairing
from pairings.services.pairing_edit import pairing_update


@login_required
def pairing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_object_or_404(
        Pairing.objects.for_user(request.user).select_related("program", "recipient"), pk=pk
    )
    if request.method == "GET" and not is_province_staff(
        request.user, province_id=pairing.program.province_id
    ):
        raise Http404  # others read the pairing page; a POST of theirs gets the service's 403
    hospitals = Hospital.objects.filter(
        province_id=pairing.program.province_id, role=HospitalRole.SUPPORTER
    ).order_by("code")
    supporters = list(pairing.supporters.select_related("hospital"))
    initial = {
        "supporters": [ps.hospital_id for ps in supporters],
        "lead": next((ps.hospital_id for ps in supporters if ps.is_lead), None),
        "kind": pairing.kind,
        "status": pairing.status,
    }
    form = PairingEditForm(request.POST or None, initial=initial, hospitals=hospitals)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                pairing_update(
                    user=request.user,
                    pairing=pairing,
                    supporters=list(data["supporters"]),
                    lead=data["lead"],
                    kind=data["kind"],
                    status=data["status"],
                    reason=data["reason"],
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("帮扶关系已保存。"))
                return redirect("pairings:detail", pk=pairing.pk)
        elif not is_province_staff(request.user, province_id=pairing.program.province_id):
            raise Http404
    return render(request, "pairings/pairing_edit.html", {"pairing": pairing, "form": form})
