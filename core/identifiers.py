"""Personal identifiers as they enter the system: one normaliser and one validator for every entry point.

A resident identity card number (公民身份号码, GB 11643-1999) or a practising licence number (执业证书编号)
typed on a Chinese keyboard, pasted from a PDF or exported by another system arrives as full-width digits
(``６２０１０２…``), with spaces or dashes between groups, a lower-case ``x``, or digits of another script.
Stored as typed, the same person becomes two rows: two hospitals can deploy one human on the same days past
the "registered at another hospital" check, the unique index and the exclusion constraint. So every form,
import, API serializer, admin form and command passes the value through :func:`normalize_national_id` /
:func:`normalize_licence` before it is compared or stored, and the database refuses anything else
(CHECK constraints ``staff_national_id_format``, ``staff_licence_no_format``, ``trainee_national_id_format``).

Normalising: Unicode NFKC (full-width → ASCII, ``²`` → ``2``), then every other Unicode decimal digit
(Arabic-Indic, Devanagari, …) → its ASCII digit, white space and dashes removed, letters upper-cased.
Dashes are dropped from national IDs (never part of the number) and from licence numbers too: licence
numbers are issued as digits (15 for physicians, 12 for nurses) and some provinces' letters; a dash is only
ever a typing aid, and keeping it would let ``1104-4010`` and ``11044010`` be two people.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

NATIONAL_ID_LENGTH = 18
LICENCE_MAX_LENGTH = 32
# What the database CHECK constraints hold (PostgreSQL ``~`` regular expressions).
NATIONAL_ID_DB_REGEX = r"^[0-9]{17}[0-9X]$"
LICENCE_DB_REGEX = r"^[0-9A-Z]+$"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# Separators people type between digit groups: white space (NFKC has made ideographic space a plain one)
# and every dash Unicode knows (hyphen, en/em dash, minus sign, katakana-hiragana prolonged sound mark …).
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70\ufe58\ufe63]")
_NATIONAL_ID = re.compile(NATIONAL_ID_DB_REGEX)
_LICENCE = re.compile(LICENCE_DB_REGEX)
# Nobody alive (or deployable) was born before this day; an earlier "birth date" is a typing error.
_OLDEST_BIRTH = dt.date(1900, 1, 1)


def ascii_digits(value: Any) -> str:
    """``value`` as text in NFKC with every Unicode decimal digit replaced by its ASCII digit."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    if text.isascii():
        return text
    return "".join(str(d) if (d := unicodedata.decimal(ch, None)) is not None else ch for ch in text)


def _normalize(value: Any) -> str:
    # A number cell of a spreadsheet (15 or 18 digits as a float) comes back as "620102….0".
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SEPARATORS.sub("", ascii_digits(value)).upper()


def normalize_national_id(value: Any) -> str:
    """The canonical form of a national ID as typed: ASCII digits, upper-case X, no spaces or dashes.

    Normalising never validates: ``national_id_error`` says what is wrong with the result.
    """
    return _normalize(value)


def normalize_licence(value: Any) -> str:
    """The canonical form of a practising licence number: ASCII digits and upper-case letters only."""
    return _normalize(value)


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits (GB 11643-1999 §5.2)."""
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def birth_date(national_id: str) -> dt.date | None:
    """The birth date encoded in characters 7–14 of a normalised ID, or None when it is no date."""
    try:
        return dt.date(int(national_id[6:10]), int(national_id[10:12]), int(national_id[12:14]))
    except ValueError:
        return None


def national_id_error(value: str, *, today: dt.date | None = None) -> str | None:
    """What is wrong with a *normalised* national ID (a Chinese sentence for the user), or None if valid."""
    if len(value) != NATIONAL_ID_LENGTH:
        if len(value) == 15 and value.isdigit():
            return _("身份证号为 15 位旧号码，请填写 18 位公民身份号码")
        return _("身份证号应为 18 位，实际为 %(n)d 位") % {"n": len(value)}
    if not _NATIONAL_ID.match(value):
        return _("身份证号只能由数字组成，最后一位可以是 X")
    born = birth_date(value)
    if born is None:
        return _("身份证号中的出生日期 %(d)s 不是有效日期") % {"d": value[6:14]}
    if born < _OLDEST_BIRTH or born > (today or timezone.localdate()):
        return _("身份证号中的出生日期 %(d)s 不合理") % {"d": born.isoformat()}
    expected = check_character(value[:17])
    if value[17] != expected:
        return _("身份证号校验位错误：最后一位应为 %(c)s，实际为 %(v)s（请核对号码）") % {
            "c": expected,
            "v": value[17],
        }
    return None


def licence_error(value: str) -> str | None:
    """What is wrong with a *normalised* licence number, or None if valid."""
    if len(value) > LICENCE_MAX_LENGTH:
        return _("执业证书编号最长 %(max)d 位，实际为 %(n)d 位") % {
            "max": LICENCE_MAX_LENGTH,
            "n": len(value),
        }
    if not _LICENCE.match(value):
        return _("执业证书编号只能由数字和字母组成")
    return None


def clean_national_id(value: Any) -> str:
    """Normalise and validate; raises ``ValidationError`` with the reason. Blank stays blank."""
    nid = normalize_national_id(value)
    if nid and (problem := national_id_error(nid)):
        raise ValidationError(problem, code="invalid_national_id")
    return nid


def clean_licence(value: Any) -> str:
    """Normalise and validate; raises ``ValidationError`` with the reason. Blank stays blank."""
    lic = normalize_licence(value)
    if lic and (problem := licence_error(lic)):
        raise ValidationError(problem, code="invalid_licence")
    return lic


# --- fields: forms (and the admin through them) and models ---------------------------------------------


class NationalIdFormField(forms.CharField):
    """A form field that normalises before it validates: ``６２０１０２…`` is accepted as ``620102…``."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalize_national_id(value) if value not in self.empty_values else value

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values and (problem := national_id_error(value)):
            raise ValidationError(problem, code="invalid_national_id")


class LicenceFormField(forms.CharField):
    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalize_licence(value) if value not in self.empty_values else value

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values and (problem := licence_error(value)):
            raise ValidationError(problem, code="invalid_licence")


class NationalIdField(models.CharField):  # type: ignore[type-arg]
    """A national ID column, 18 characters, validated by ``full_clean`` and model forms (the admin).

    ``to_python`` normalises, and CharField's ``get_prep_value`` calls it: every ORM write and every
    ``exact`` lookup uses the canonical form, so code that forgets to normalise still cannot store or miss
    a look-alike.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", NATIONAL_ID_LENGTH)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalize_national_id(value) if value else value

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        if value and (problem := national_id_error(value)):
            raise ValidationError(problem, code="invalid_national_id")

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": NationalIdFormField, **kwargs})


class LicenceField(models.CharField):  # type: ignore[type-arg]
    """A practising licence number column: normalised by ``full_clean`` and model forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", LICENCE_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalize_licence(value) if value else value

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        if value and (problem := licence_error(value)):
            raise ValidationError(problem, code="invalid_licence")

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": LicenceFormField, **kwargs})


def national_id_db_check(field: str, *, name: str, allow_blank: bool = False) -> models.CheckConstraint:
    """The database's last word: a stored ID is 18 ASCII characters, 17 digits and a digit or X."""
    q = models.Q(**{f"{field}__regex": NATIONAL_ID_DB_REGEX}) | models.Q(**{f"{field}__isnull": True})
    if allow_blank:
        q |= models.Q(**{field: ""})
    return models.CheckConstraint(condition=q, name=name)


def licence_db_check(field: str, *, name: str) -> models.CheckConstraint:
    q = models.Q(**{f"{field}__regex": LICENCE_DB_REGEX})
    return models.CheckConstraint(condition=q | models.Q(**{f"{field}__isnull": True}), name=name)
