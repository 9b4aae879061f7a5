import pytest

from indicators.domain.ags import normalise_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("15087", "15087"),
        ("15087000", "15087"),
        (1001000, "01001"),
        (1001, "01001"),
        (15087000.0, "15087"),
        ("01001000", "01001"),
        ("15087 Mansfeld-Südharz", "15087"),
        ("DG", "DG"),
        ("11", "11"),
        (2, "02"),
        ("153", None),
        ("11001001", None),
        ("", None),
        (None, None),
        (float("nan"), None),
        ("Deutschland", "DG"),
    ],
)
def test_keys_are_normalised_to_five_character_text(raw, expected):
    assert normalise_key(raw) == expected
