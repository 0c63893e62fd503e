"""The blank posting form is rendered once per variant (participation/discussion/
form_cache.py); every reader still gets their own CSRF token, and a form with input or
errors is never taken from the cache."""

import re

import pytest

from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def section_url(make):
    strategy = make.strategy(
        moderation_mode=ModerationMode.POST, sections=[("Mobilität", "Ein Absatz.")]
    )
    return f"/strategien/{strategy.slug}/mobilitaet"


def _page(client, url):
    return client.get(url).get_data(as_text=True)


def _form(page):
    return page.split('class="form-stack contribution-form"', 1)[1].split("</form>", 1)[0]


def test_each_reader_gets_their_own_token_in_the_same_form(app, section_url):
    first, second = app.test_client(), app.test_client()
    page_one, page_two = _page(first, section_url), _page(second, section_url)
    token_one, token_two = TOKEN.findall(_form(page_one)), TOKEN.findall(_form(page_two))
    assert token_one
    assert token_two
    assert token_one != token_two
    assert _form(page_one).replace(token_one[0], "") == _form(page_two).replace(token_two[0], "")
    # The same reader keeps their token (its signed timestamp may have moved on).
    again = TOKEN.findall(_form(_page(first, section_url)))
    assert [t.split(".")[0] for t in again] == [t.split(".")[0] for t in token_one]
    # The page's other forms (the language switch) carry the same token.
    assert set(TOKEN.findall(page_two)) == set(token_two)
    assert "\x00" not in page_one


def test_guests_and_account_holders_get_their_own_variant(app, make, section_url):
    assert 'name="guest_email"' in _page(app.test_client(), section_url)
    signed_in = signed_in_client(app, make.user())
    assert 'name="guest_email"' not in _page(signed_in, section_url)
    assert 'name="guest_email"' in _page(app.test_client(), section_url)


def test_a_refused_form_is_rendered_with_its_input_and_errors(app, section_url):
    client = app.test_client()
    _page(client, section_url)  # the blank variant is cached now
    response = client.post(
        section_url + "/kommentare",
        data={"body_md": "Mein Text bleibt.", "guest_name": "", "guest_email": "x"},
    )
    page = response.get_data(as_text=True)
    assert "Mein Text bleibt." in page
    assert "kern-error" in page
    # And the next blank page is blank again.
    assert "Mein Text bleibt." not in _page(app.test_client(), section_url)


def test_languages_are_separate_variants(app, section_url):
    client = app.test_client()
    assert "Als Gast teilnehmen" in _page(client, section_url)
    client.set_cookie("lang", "en")
    page = _page(client, section_url)
    assert "Taking part as a guest" in page
    assert "Als Gast teilnehmen" not in page
