"""The English catalogue is complete: no entry is fuzzy (gettext ignores those, so the English UI would show
Chinese) and none is left untranslated. New strings come in through `manage.py makemessages -l en`."""

from __future__ import annotations

import json
import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[list[str], str, str]]:
    out = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = [line for line in lines if line.startswith("#,")]
        text = "\n".join(line for line in lines if not line.startswith("#"))
        match = re.match(r'msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', text)
        if match is None:
            continue
        msgid, msgstr = ("".join(json.loads(q) for q in re.findall(r'".*"', g)) for g in match.groups())
        out.append((flags, msgid, msgstr))
    return out


def test_no_fuzzy_and_no_untranslated_entries() -> None:
    entries = [e for e in _entries() if e[1]]  # the header's msgid is empty
    assert len(entries) > 1000
    fuzzy = [msgid for flags, msgid, _ in entries if any("fuzzy" in f for f in flags)]
    untranslated = [msgid for _, msgid, msgstr in entries if not msgstr]
    assert fuzzy == [] and untranslated == []
