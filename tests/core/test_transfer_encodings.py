"""CSV files as Excel saves them in each UN language's locale: the encoding is detected,
the text comes back exactly, and an ambiguous file says it is unsure instead of guessing
silently (what the cp1252 fallback did: Russian, Arabic and Chinese came out garbled)."""
from __future__ import annotations

import io

import pytest

from fieldapp.core import encodings, transfer
from fieldapp.core.transfer import import_file

# One organisation per language, in text each code page can hold.
TEXTS = {
    "cp1252": ("Coopérative des éleveurs de Thiès", "SN", "Pâturage tournant, agroécologie et compost ; année 2023"),
    "cp1251": ("Министерство сельского хозяйства", "RU", "Почвенный углерод: пилотный проект в Казани"),
    "cp1256": ("وزارة الفلاحة والصيد البحري", "MA", "الزراعة الحافظة والكربون العضوي في التربة"),
    "gb18030": ("中国农业科学院", "CN", "保护性耕作与土壤有机碳，农林复合经营"),
}
UNICODE_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16")


def _store_with(make_store, name: str, texts):
    s = make_store(name)
    org_type = s.catalog.codes("org_type")[0]
    for title, country, notes in texts:
        s.insert("organisation", {"name": title, "country": country, "org_type": org_type, "notes": notes, "city": title[:12]})
    return s


def _rows(store):
    return sorted((r["id"], r["name"], r["country"], r["notes"], r["city"]) for r in store.records("organisation"))


@pytest.mark.parametrize("encoding", [*TEXTS, *UNICODE_ENCODINGS])
def test_csv_round_trips_in_each_encoding(make_store, tmp_path, encoding):
    texts = [TEXTS[encoding]] if encoding in TEXTS else list(TEXTS.values())
    source = _store_with(make_store, f"src-{encoding}", texts)
    out = io.StringIO()
    transfer.export_csv(source, "organisation", out)
    path = tmp_path / f"orgs-{encoding}.csv"
    path.write_bytes(out.getvalue().replace("\n", "\r\n").encode(encoding))  # as Excel writes it

    read = transfer.read_source(path, "organisation")
    assert read.detection.encoding == encoding
    assert not read.detection.unsure, read.detection.warning
    target = make_store(f"dst-{encoding}")
    result = import_file(target, "organisation", path)
    assert result.problems == [] and result.inserted == len(texts)
    assert _rows(target) == _rows(source)


@pytest.mark.parametrize("encoding", list(TEXTS))
def test_detection_is_sure_whatever_the_interface_language(encoding):
    name, _country, notes = TEXTS[encoding]
    data = f"name;country;notes\n{name};X;{notes}\n".encode(encoding)
    for lang in ("en", "fr", "ru", "ar", "zh"):
        found = encodings.detect(data, lang)
        assert (found.encoding, found.text.splitlines()[1].split(";")[0]) == (encoding, name), lang
        assert found.confidence >= encodings.UNSURE_BELOW


def test_the_old_fallback_garbled_what_detection_reads():
    data = "name\nМинистерство сельского хозяйства\n".encode("cp1251")
    assert "Министерство" not in data.decode("cp1252", errors="replace")  # what the importer used to do
    assert "Министерство" in transfer.decode(data)


def test_a_short_ambiguous_file_warns_and_the_person_chooses(make_store, tmp_path):
    """'Café' in cp1252 reads as 'Cafй' in cp1251: unsure, both offered, the interface
    language's code page first; choosing the encoding settles it."""
    data = "name;country;org_type\nCafé;FR;X\n".encode("cp1252")
    found = encodings.detect(data, "ru")
    assert found.unsure
    assert {c.encoding for c in found.candidates} >= {"cp1251", "cp1252"}
    other = next(c.encoding for c in found.candidates if c.encoding != found.encoding)
    assert encodings.label(other) in found.warning
    tie = "name\nCafé\n".encode("cp1252")  # nothing tells them apart: the interface language does
    assert (encodings.detect(tie, "ru").encoding, encodings.detect(tie, "fr").encoding) == ("cp1251", "cp1252")

    store = make_store("short")
    path = tmp_path / "short.csv"
    path.write_bytes(data.replace(b"X", store.catalog.codes("org_type")[0].encode()))
    result = import_file(store, "organisation", path, encoding="cp1252")
    assert result.problems == []
    assert store.records("organisation")[0]["name"] == "Café"


def test_an_encoding_that_does_not_fit_is_a_clear_error(store, tmp_path):
    path = tmp_path / "zh.csv"
    path.write_bytes("name\n中国农业科学院\n".encode("gb18030"))
    with pytest.raises(transfer.ImportFileError, match="UTF-8"):
        transfer.read_source(path, "organisation", encoding="utf-8")
    assert store.count("organisation") == 0
