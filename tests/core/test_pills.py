"""Status pills: every family has a colour pair of at least 4.5:1 (WCAG 1.4.3), and every state has a family."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from challenges.models import Challenge
from challenges.states import ChallengeState

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "kokeilu.css").read_text(encoding="utf-8")
RULE = re.compile(r"([^{}]+)\{\s*background:\s*(#[0-9a-f]{6});\s*color:\s*(#[0-9a-f]{6});\s*\}", re.IGNORECASE)


def _pairs() -> dict[str, tuple[str, str]]:
    """Each .pill-<family> class with its background and text colour."""
    pairs = {}
    for selectors, background, color in RULE.findall(CSS):
        for selector in selectors.split(","):
            name = selector.strip()
            if name.startswith(".pill-"):
                pairs[name[len(".pill-"):]] = (background, color)
    return pairs


def _luminance(colour: str) -> float:
    """The relative luminance of an sRGB colour #rrggbb (WCAG 2.1)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """The contrast ratio of two colours, 1 to 21."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_measured_as_wcag_defines_it():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54


@pytest.mark.parametrize("family, colours", sorted(_pairs().items()))
def test_pill_text_contrasts_with_its_background(family, colours):
    assert contrast(*colours) >= 4.5, f".pill-{family}: {colours} is below 4.5:1"


@pytest.mark.parametrize("state", list(ChallengeState), ids=lambda s: s.value)
def test_every_challenge_state_has_a_pill_colour(state):
    family = Challenge(state=state.value).state_family
    assert family in _pairs(), f"add .pill-{family} to static/css/kokeilu.css"


@pytest.mark.parametrize("status", ["registered", "waiting", "unanswered", "answered", "published"])
def test_every_status_shown_as_a_pill_has_a_colour(status):
    assert status in _pairs()
