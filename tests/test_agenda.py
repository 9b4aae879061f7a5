"""Picker and meeting order: headline indicators first, then topics, uncatalogued series last."""

import pandas as pd

from indicators.domain import agenda


def frame():
    return pd.DataFrame(
        [
            # id, label, topic, headline, catalogued, scale
            ("b_quote", "Beschäftigtenquote", "Beschäftigung", False, True, "ratio"),
            ("alq", "Arbeitslosenquote", "Arbeitsmarkt", True, True, "ratio"),
            ("jugend_alq", "Jugendarbeitslosenquote", "Jugend", True, True, "ratio"),
            ("miete", "Angebotsmieten", "Wohnen", False, True, "ratio"),
            ("genesis__x", "Arbeitslose insgesamt", "Weitere Indikatoren (nicht katalogisiert)", False, False, "ratio"),
            ("lohnklasse", "Lohnklasse", "Arbeitsmarkt", False, True, "ordinal"),
        ],
        columns=["id", "label", "topic", "headline", "catalogued", "scale"],
    )


def test_headline_first_in_catalogue_order_then_topics_then_further_tables():
    order = agenda.ordered(frame(), catalogue_order=["jugend_alq", "alq"])
    assert order == ["jugend_alq", "alq", "lohnklasse", "b_quote", "miete", "genesis__x"]


def test_picker_labels_carry_the_group_so_typing_a_topic_finds_it():
    labels = agenda.picker_labels(frame())
    assert labels["alq"] == "Leitindikatoren › Arbeitslosenquote"
    assert labels["miete"] == "Wohnen › Angebotsmieten"
    assert labels["genesis__x"] == "Weitere Tabellen › Arbeitslose insgesamt"


def test_meeting_order_skips_classes_uncatalogued_and_missing_values():
    order = agenda.meeting_order(frame(), with_value={"alq", "miete", "genesis__x", "lohnklasse"})
    assert order == ["alq", "miete"]


def test_step_wraps_round_and_starts_at_the_ends_for_an_unknown_indicator():
    order = ["a", "b", "c"]
    assert agenda.step(order, "c", 1) == "a"
    assert agenda.step(order, "a", -1) == "c"
    assert agenda.step(order, "x", 1) == "a"
    assert agenda.step(order, "x", -1) == "c"
    assert agenda.step([], "x", 1) == "x"
