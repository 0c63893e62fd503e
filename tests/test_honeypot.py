"""The honeypot field of every guest form is hidden from screen readers and the keyboard:
only a program that fills every field fills it."""

import pytest
from bs4 import BeautifulSoup

from participation.strategies.models import ModerationMode


@pytest.mark.parametrize(
    "path",
    [
        "/strategien/fallenplan/vision",
        "/strategien/fallenplan/ideen/neu",
        "/strategien/fallenplan/folgen",
    ],
)
def test_honeypot_is_hidden_from_assistive_technology_and_the_tab_order(client, make, path):
    make.strategy(slug="fallenplan", moderation_mode=ModerationMode.POST)
    response = client.get(path)
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    fields = page.find_all("input", attrs={"name": "website"})
    assert len(fields) == 1
    trap = fields[0].find_parent("div", class_="contribution-form__trap")
    assert trap is not None
    assert trap["aria-hidden"] == "true"
    assert fields[0]["tabindex"] == "-1"
    assert fields[0]["autocomplete"] == "off"
    assert trap.find("label")["for"] == fields[0]["id"]
