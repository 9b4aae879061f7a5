from indicators.domain import formatting as fmt


def test_german_numbers():
    assert fmt.number(1234.5, 1) == "1.234,5"
    assert fmt.number(-0.04, 1) == "0,0"
    assert fmt.number(None) == "–"
    assert fmt.number(float("nan")) == "–"
    assert fmt.number(9.95, 2, "%") == "9,95 %"
    assert fmt.number(1234567, 0) == "1.234.567"


def test_values_and_changes_by_unit():
    assert fmt.value(9.95, "%") == "9,9 %" or fmt.value(9.95, "%") == "10,0 %"
    assert fmt.value(132317, "Anzahl") == "132.317"
    assert fmt.value(3, "Kategorie", "dünn besiedelter ländlicher Kreis") == "dünn besiedelter ländlicher Kreis"
    assert fmt.change(0.4, "%") == "+0,4 Pp."
    assert fmt.change(-120, "Anzahl") == "-120"
    assert fmt.change(0.0, "%") == "±0,0 Pp."


def test_german_dates():
    assert fmt.german_date("2023-12-31") == "31.12.2023"
    assert fmt.german_date(None) == "–"
