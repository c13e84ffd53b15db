"""Reads of the staff directory and the roster's staff picker: scoped through ``for_user``."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from core.access import User
from teams.choices import Title
from teams.models import Staff

# What people type for a title: the short labels of the template and the usual full names.
_TITLE_WORDS = {
    "初级": Title.JUNIOR,
    "中级": Title.INTERMEDIATE,
    "主治": Title.INTERMEDIATE,
    "副高": Title.ASSOCIATE_SENIOR,
    "副主任": Title.ASSOCIATE_SENIOR,
    "正高": Title.SENIOR,
    "主任医师": Title.SENIOR,
}
_ID_TAIL = re.compile(r"^[0-9]{0,17}[0-9Xx]$")


def staff_search(qs: QuerySet[Staff], q: str) -> QuerySet[Staff]:
    """Every word must match the name, specialty, department, title, or the end of the ID or licence.

    "崔慧 1234" finds the 崔慧 whose ID ends in 1234: the picker tells namesakes apart by the ID tail.
    Only the tail is matched — searching by a whole ID's middle would reveal masked digits.
    """
    for word in q.split()[:5]:
        cond = Q(name__icontains=word) | Q(specialty__icontains=word) | Q(department__icontains=word)
        title = _TITLE_WORDS.get(word)
        if title is not None:
            cond |= Q(title=title)
        if _ID_TAIL.match(word) and 4 <= len(word) <= 6:
            cond |= Q(national_id__endswith=word.upper()) | Q(licence_no__endswith=word.upper())
        qs = qs.filter(cond)
    return qs


def staff_directory(*, user: User, q: str = "", employer_id: int | None = None) -> QuerySet[Staff]:
    """The staff the user may see (a supporter coordinator: the hospital's own), searched by ``q``."""
    qs: QuerySet[Staff] = Staff.objects.for_user(user)
    if employer_id is not None:
        qs = qs.filter(employer_id=employer_id)
    if q.strip():
        qs = staff_search(qs, q)
    return qs.select_related("employer").distinct().order_by("name", "pk")


def get_staff_for_user(*, user: User, pk: int) -> Staff:
    return get_object_or_404(Staff.objects.for_user(user).select_related("employer").distinct(), pk=pk)
