"""The pairings app's Excel imports, registered with the shared import pages (core.imports) in ``ready()``:
the pairing list (附件1) of a program and the items of an agreement. The specs live in ``services/``; this
module says how a page finds the target (one the user sees, 404 otherwise)."""

from __future__ import annotations

from django.urls import reverse

from core.imports.registry import ImportDefinition, register
from pairings.selectors.agreements import agreement_detail
from pairings.selectors.programs import get_program_for_user
from pairings.services.agreement_items_import import AgreementItemSpec
from pairings.services.pairing_list import HospitalSheetSpec, pairing_list_specs

PAIRING_LIST = HospitalSheetSpec.kind
AGREEMENT_ITEMS = AgreementItemSpec.kind


def register_imports() -> None:
    register(
        ImportDefinition(
            kind=PAIRING_LIST,
            title=HospitalSheetSpec.title,
            specs=lambda user, program: pairing_list_specs(user=user, program=program),
            target=lambda user, pk: get_program_for_user(user=user, pk=pk),
            done_url=lambda program, _result: reverse("programs:detail", args=[program.pk]),
            back_url=lambda program: reverse("programs:detail", args=[program.pk]),
            filename="pairing-list",
        )
    )
    register(
        ImportDefinition(
            kind=AGREEMENT_ITEMS,
            title=AgreementItemSpec.title,
            specs=lambda user, agreement: [AgreementItemSpec(user=user, target=agreement)],
            target=lambda user, pk: agreement_detail(user=user, pk=pk),
            done_url=lambda agreement, _result: reverse("agreements:detail", args=[agreement.pk]),
            back_url=lambda agreement: reverse("agreements:detail", args=[agreement.pk]),
            filename="agreement-items",
        )
    )
