"""The catalogue file: consistent, covers the reference table, and is strict about bad edits."""

import csv

import pytest

from indicators.domain.catalog import CatalogError, load_catalogue, parse_catalogue
from indicators.domain.registry import REFERENCE_DIR


def test_catalogue_has_at_least_50_indicators_with_complete_metadata():
    cat = load_catalogue()
    assert len(cat) >= 50
    for ind in cat:
        assert ind.label and ind.unit and ind.definition and ind.topic
        assert ind.polarity in (-1, 0, 1)
        # an indicator without an official source exists only as the published reference (JUGEND STÄRKEN)
        assert ind.sources or ind.seed_id, ind.id
        assert not any(s.raw.startswith("seed__") for s in ind.sources), ind.id
        for src in ind.sources:
            assert src.publisher and src.licence, (ind.id, src.raw)


def test_every_reference_table_column_is_catalogued():
    cat = load_catalogue()
    with open(REFERENCE_DIR / "seed_indicators.csv", encoding="utf-8") as fh:
        seed_ids = {row["id"] for row in csv.DictReader(fh)}
    covered = {ind.seed_id for ind in cat if ind.seed_id}
    assert seed_ids == covered


def test_labour_market_core_keeps_both_official_unemployment_rates_apart():
    cat = load_catalogue()
    assert cat["alq"].label != cat["alq_abhaengige"].label
    raw_alq = {s.raw for s in cat["alq"].sources}
    raw_abh = {s.raw for s in cat["alq_abhaengige"].sources}
    assert not raw_alq & raw_abh
    for needed in (
        "jugend_alq",
        "arbeitslose",
        "anteil_langzeitarbeitslose",
        "beschaeftigtenquote",
        "svb_wohnort",
        "schulabg_ohne_hsa",
        "auszubildende_je_100",
        "verfuegbares_einkommen",
        "bip_je_einwohner",
        "schuldnerquote",
        "haushalte_niedriges_einkommen",
        "mindestsicherungsquote",
        "kreistyp",
    ):
        assert cat.get(needed) is not None, needed


def test_seed_polarities_agree_except_where_the_domain_guide_says_context():
    """The reference table's direction is kept unless recording makes the value contextual (rents, homelessness)."""
    cat = load_catalogue()
    direction = {"higher_is_better": 1, "lower_is_better": -1, "neutral": 0}
    with open(REFERENCE_DIR / "seed_indicators.csv", encoding="utf-8") as fh:
        seeds = {row["id"]: direction[row["direction"]] for row in csv.DictReader(fh)}
    by_seed = {ind.seed_id: ind for ind in cat if ind.seed_id}
    differing = {sid for sid, pol in seeds.items() if by_seed[sid].polarity != pol}
    assert differing <= {
        "wiedervermietungsmiete_klasse",
        "wohnungslose_unter_18",
        "wohnungslose_18_25",
        "wohnungslose_insgesamt",
    }
    for sid in differing:
        assert by_seed[sid].polarity == 0


MINIMAL = """
topics = ["A"]
[provider.p]
publisher = "P"
licence = "L"
[[indicator]]
id = "x"
label = "X"
unit = "%"
polarity = {polarity}
{reason}
topic = "A"
definition = "D"
sources = [{{ raw = "r", via = "p" }}]
"""


def test_parse_rejects_bad_polarity_and_missing_reason():
    ok = parse_catalogue(MINIMAL.format(polarity=1, reason='polarity_reason = "weil"'))
    assert ok["x"].sources[0].publisher == "P"
    with pytest.raises(CatalogError, match="Polarität"):
        parse_catalogue(MINIMAL.format(polarity=2, reason='polarity_reason = "weil"'))
    with pytest.raises(CatalogError, match="Begründung"):
        parse_catalogue(MINIMAL.format(polarity=-1, reason=""))


def test_parse_rejects_duplicate_raw_ids():
    first = MINIMAL.format(polarity=0, reason="")
    second = "[[indicator]]" + first.split("[[indicator]]")[1].replace('id = "x"', 'id = "y"')
    with pytest.raises(CatalogError, match="Rohkennung"):
        parse_catalogue(first + second)
