"""The catalogues are complete: every string the code and templates mark for translation has
its English, with the same placeholders; French has its three plural forms; the compiled .mo
files say what the .po files say."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_pgettext": ((1, "c"), 2),
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(language, compiled=False):
    path = ROOT / "translations" / language / "LC_MESSAGES" / ("messages.mo" if compiled else "messages.po")
    with path.open("rb") as file:
        return (read_mo if compiled else read_po)(file)


@pytest.fixture(scope="module")
def extracted():
    """Every msgid marked in the source, as `make catalogue-extract` finds them."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for filename, _, message, _, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS,
            directory_filter=lambda path: not Path(path).name.startswith(".")
            and Path(path).name != "__pycache__"):
        found.setdefault((message, context), filename)
    return found


def msgid_key(message):
    return message if isinstance(message, str) else message[0]


def strings_of(message):
    """A message's translation, its plural forms as a tuple whichever file it was read from."""
    return message.string if isinstance(message.string, str) else tuple(message.string)


def test_something_is_marked_for_translation(extracted):
    assert len(extracted) > 30


def test_every_marked_string_has_its_english(extracted):
    english = catalogue("en")
    missing = []
    for (message, context), filename in extracted.items():
        entry = english.get(msgid_key(message), context=context)
        strings = entry.string if entry is not None else ""
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(f"{filename}: {msgid_key(message)!r}")
    assert missing == [], "untranslated (run `make catalogue-update`):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    wrong = []
    for entry in catalogue("en"):
        if not entry.id or not entry.string:
            continue
        sources = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        targets = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set(PLACEHOLDER.findall(sources[-1]))
        for target in targets:
            # A singular may leave its number out ("one signature"), nothing else.
            if target and (set(PLACEHOLDER.findall(target)) ^ expected) - {"%(num)s", "%(num)d"}:
                wrong.append(f"{sources[0]!r} -> {target!r}")
    assert wrong == []


def test_french_has_its_three_plural_forms():
    french = catalogue("fr")
    assert french.num_plurals == 3
    for entry in french:
        if isinstance(entry.id, tuple):
            assert len(entry.string) == 3 and all(entry.string), entry.id


@pytest.mark.parametrize("language", ["en", "fr"])
def test_compiled_catalogues_match_their_sources(language):
    source = {(msgid_key(m.id), m.context): strings_of(m) for m in catalogue(language) if m.id}
    compiled = {(msgid_key(m.id), m.context): strings_of(m)
                for m in catalogue(language, compiled=True) if m.id}
    translated = {key: value for key, value in source.items()
                  if value and (not isinstance(value, tuple) or all(value))}
    assert {key: compiled.get(key) for key in translated} == translated, \
        "run `make catalogue-compile`"


def test_no_msgid_is_translated_twice_differently():
    english = catalogue("en")
    seen = {}
    for entry in english:
        if entry.id:
            seen.setdefault((msgid_key(entry.id), entry.context), set()).add(entry.string)
    assert all(len(strings) == 1 for strings in seen.values())
