"""Pages are Chinese unless the reader picks English; the API honours Accept-Language (core.middleware)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_browser_set_to_english_still_gets_chinese_pages_until_english_is_chosen() -> None:
    client = Client()
    # given a browser whose language is English
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    # then the page is in Chinese
    assert "<h1>登录</h1>" in page and "Sign in" not in page
    # when the reader chooses English with the switch
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    # then pages are in English
    assert "Sign in" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_the_api_answers_in_the_language_the_client_asks_for() -> None:
    client = Client()
    english = client.get("/api/v1/programs/", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get("/api/v1/programs/").json()
    assert english != chinese  # the 401's message follows Accept-Language
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(chinese))
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in str(english))
