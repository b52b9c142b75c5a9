"""The bundled source catalogue is well formed, safe to crawl and covers Europe."""

from collections import Counter
from urllib.parse import urlsplit

import pytest

from kb.sources.catalogue import (
    KINDS,
    CatalogueEntry,
    CatalogueError,
    host_problem,
    load_catalogue,
    select_entries,
    url_in_scope,
    url_problem,
    validate_catalogue,
    validate_entry,
)

NORDICS = {"DK", "SE", "FI", "NO"}
BALTICS = {"EE", "LV", "LT"}


@pytest.fixture(scope="module")
def entries():
    return load_catalogue()


def make_entry(**overrides):
    fields = dict(
        key="sample", name="Sample", seeds=("https://example.org/cases",), hosts=("example.org",),
        include=("/cases",), exclude=("/cases/search",), languages=("nl",), country="BE",
        kind="municipality", recrawl_days=7, why="A sample.",
    )
    fields.update(overrides)
    return CatalogueEntry(**fields)


# -- the bundled catalogue ---------------------------------------------------

def test_bundled_catalogue_loads_with_a_valid_schema(entries):
    assert all(isinstance(entry, CatalogueEntry) for entry in entries)
    for entry in entries:
        assert entry.seeds and entry.hosts and entry.languages and entry.why
        assert isinstance(entry.recrawl_days, int) and entry.recrawl_days >= 1


def test_every_entry_passes_validation(entries):
    assert {entry.key: validate_entry(entry) for entry in entries if validate_entry(entry)} == {}
    assert validate_catalogue(entries) == []


def test_catalogue_has_at_least_sixty_entries(entries):
    assert len(entries) >= 60


def test_every_seed_is_an_http_url_with_a_host(entries):
    for entry in entries:
        for seed in entry.seeds:
            parts = urlsplit(seed)
            assert parts.scheme in ("http", "https"), seed
            assert parts.hostname, seed


def test_seeds_use_https(entries):
    plain = [seed for entry in entries for seed in entry.seeds if not seed.startswith("https://")]
    assert plain == []


def test_keys_are_unique(entries):
    duplicates = [key for key, count in Counter(entry.key for entry in entries).items() if count > 1]
    assert duplicates == []


def test_seeds_are_unique_across_the_catalogue(entries):
    seeds = Counter(seed.rstrip("/").lower() for entry in entries for seed in entry.seeds)
    assert [seed for seed, count in seeds.items() if count > 1] == []


def test_every_seed_lies_inside_its_own_scope(entries):
    outside = [(entry.key, seed) for entry in entries for seed in entry.seeds if not url_in_scope(entry, seed)]
    assert outside == []


def test_no_seed_or_host_points_at_a_private_or_local_address(entries):
    for entry in entries:
        for host in entry.hosts:
            assert host_problem(host) is None, (entry.key, host)
        for seed in entry.seeds:
            assert url_problem(seed) is None, (entry.key, seed)


def test_database_like_sources_are_recrawled_daily_and_others_weekly(entries):
    for entry in entries:
        assert entry.recrawl_days == (1 if entry.kind == "database" else 7), entry.key


def test_coverage_by_country_meets_the_floors(entries):
    countries = Counter(entry.country for entry in entries)
    assert countries["BE"] >= 8
    assert countries["NL"] >= 6
    for country in ("FR", "DE", "AT", "ES", "IT", "PT"):
        assert countries[country] >= 2, country
    assert sum(countries[c] for c in NORDICS) >= 4
    assert all(countries[c] >= 1 for c in NORDICS)
    assert sum(countries[c] for c in BALTICS) >= 3
    assert all(countries[c] >= 1 for c in BALTICS)
    assert countries["EU"] >= 9


def test_every_kind_is_present(entries):
    assert {entry.kind for entry in entries} == KINDS


def test_the_named_flemish_and_european_anchors_are_catalogued(entries):
    keys = {entry.key for entry in entries}
    assert {
        "smart-flanders", "vlaanderen-gemeente-zonder-gemeentehuis", "digitaal-vlaanderen", "vvsg",
        "imec-city-of-things", "antwerpen-nieuw-zuid", "vng", "common-ground", "developer-overheid",
        "urbact-good-practices", "smart-cities-marketplace", "keep-eu", "interreg-europe-good-practices",
        "eurocities", "living-in-eu", "oasc", "jrc-innovative-public-services", "interoperable-europe",
        "data-europa-eu",
    } <= keys


# -- validate_entry ----------------------------------------------------------

def test_a_sound_entry_has_no_problems():
    assert validate_entry(make_entry()) == []


@pytest.mark.parametrize("seed", ["ftp://example.org/cases", "https:///cases", "example.org/cases"])
def test_a_seed_with_bad_url_syntax_is_reported(seed):
    assert any("seed" in problem for problem in validate_entry(make_entry(seeds=(seed,))))


@pytest.mark.parametrize("seed", [
    "https://other.org/cases",              # host not in scope
    "https://example.org/about",            # path outside include
    "https://example.org/cases/search/x",   # path inside exclude
])
def test_a_seed_outside_its_own_scope_is_reported(seed):
    assert any("outside" in problem for problem in validate_entry(make_entry(seeds=(seed,))))


@pytest.mark.parametrize("host", [
    "127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.5", "169.254.169.254", "::1", "fe80::1",
    "0.0.0.0", "240.0.0.1", "127.1", "localhost", "printer.local", "wiki.internal", "intranet",
])
def test_private_loopback_link_local_reserved_and_local_hosts_are_rejected(host):
    url_host = f"[{host}]" if ":" in host else host
    entry = make_entry(seeds=(f"http://{url_host}/cases",), hosts=(host,))
    assert validate_entry(entry) != []


@pytest.mark.parametrize("overrides, fragment", [
    ({"kind": "blog"}, "kind"),
    ({"country": "XX"}, "country"),
    ({"country": "be"}, "country"),
    ({"languages": ("nld",)}, "language"),
    ({"languages": ("NL",)}, "language"),
    ({"key": "Not Kebab"}, "kebab"),
    ({"include": ("cases",)}, "start with"),
])
def test_invalid_kind_country_language_key_and_prefix_are_reported(overrides, fragment):
    assert any(fragment in problem for problem in validate_entry(make_entry(**overrides)))


def test_prefixes_match_whole_path_segments():
    entry = make_entry()
    assert url_in_scope(entry, "https://example.org/cases")
    assert url_in_scope(entry, "https://example.org/cases/ghent?page=2")
    assert not url_in_scope(entry, "https://example.org/cases-archive")
    assert not url_in_scope(entry, "https://example.org/cases/search")


def test_duplicate_seeds_across_entries_are_reported():
    twins = [make_entry(key="a"), make_entry(key="b", seeds=("https://example.org/cases/",))]
    assert any("already listed by a" in problem for problem in validate_catalogue(twins))


# -- select_entries ----------------------------------------------------------

@pytest.fixture
def sample():
    return [
        make_entry(key="gent", country="BE", kind="municipality", languages=("nl", "en")),
        make_entry(key="vvsg", country="BE", kind="network", languages=("nl",)),
        make_entry(key="bruxelles", country="BE", kind="municipality", languages=("fr", "nl")),
        make_entry(key="utrecht", country="NL", kind="municipality", languages=("nl",)),
        make_entry(key="paris", country="FR", kind="municipality", languages=("fr",)),
        make_entry(key="urbact", country="EU", kind="database", languages=("en",)),
    ]


def keys(entries):
    return [entry.key for entry in entries]


def test_selecting_nothing_keeps_every_entry(sample):
    assert select_entries(sample, []) == sample


def test_a_value_may_name_a_country_a_kind_or_a_language(sample):
    assert keys(select_entries(sample, ["EU"])) == ["urbact"]
    assert keys(select_entries(sample, ["network"])) == ["vvsg"]
    assert keys(select_entries(sample, ["fr"])) == ["bruxelles", "paris"]


def test_values_of_the_same_dimension_are_or_ed(sample):
    assert keys(select_entries(sample, ["NL", "FR"])) == ["utrecht", "paris"]
    assert keys(select_entries(sample, ["network", "database"])) == ["vvsg", "urbact"]
    assert keys(select_entries(sample, ["en", "fr"])) == ["gent", "bruxelles", "paris", "urbact"]


def test_values_of_different_dimensions_are_and_ed(sample):
    assert keys(select_entries(sample, ["BE", "municipality"])) == ["gent", "bruxelles"]
    assert keys(select_entries(sample, ["BE", "municipality", "fr"])) == ["bruxelles"]
    assert keys(select_entries(sample, ["BE", "NL", "municipality", "nl"])) == ["gent", "bruxelles", "utrecht"]


def test_case_tells_a_country_from_a_language(sample):
    assert keys(select_entries(sample, ["NL"])) == ["utrecht"]
    assert keys(select_entries(sample, ["nl"])) == ["gent", "vvsg", "bruxelles", "utrecht"]


def test_a_kind_is_matched_whatever_its_case(sample):
    assert keys(select_entries(sample, ["Database"])) == ["urbact"]


@pytest.mark.parametrize("value", ["Belgium", "Nl", "x", ""])
def test_an_unrecognised_value_is_an_error(sample, value):
    with pytest.raises(CatalogueError):
        select_entries(sample, [value])


def test_selection_works_on_the_bundled_catalogue(entries):
    flemish_cities = select_entries(entries, ["BE", "municipality", "nl"])
    assert flemish_cities and all(e.country == "BE" and e.kind == "municipality" for e in flemish_cities)
    assert {e.key for e in select_entries(entries, ["EU", "database"])} >= {"keep-eu", "urbact-good-practices"}


# -- schema errors -----------------------------------------------------------

GOOD_SOURCE = """\
  - key: {key}
    name: Sample
    seeds: ["https://example.org/"]
    scope:
      hosts: [example.org]
    languages: [nl]
    country: BE
    kind: municipality
    recrawl_days: 7
    why: A sample.
"""


def write_catalogue(tmp_path, body):
    path = tmp_path / "catalogue.yaml"
    path.write_text("sources:\n" + body, encoding="utf-8")
    return path


def test_a_small_valid_file_loads(tmp_path):
    path = write_catalogue(tmp_path, GOOD_SOURCE.format(key="good-one"))
    [entry] = load_catalogue(path)
    assert entry.key == "good-one" and entry.hosts == ("example.org",) and entry.include == ()


def test_recrawl_days_defaults_to_seven(tmp_path):
    body = GOOD_SOURCE.format(key="no-recrawl").replace("    recrawl_days: 7\n", "")
    assert load_catalogue(write_catalogue(tmp_path, body))[0].recrawl_days == 7


@pytest.mark.parametrize("breakage, fragment", [
    (("    why: A sample.\n", ""), "missing field 'why'"),
    (("    languages: [nl]\n", "    languages: nl\n"), "languages"),
    (("    recrawl_days: 7\n", "    recrawl_days: weekly\n"), "recrawl_days"),
    (("    recrawl_days: 7\n", "    recrawl_days: true\n"), "recrawl_days"),
    (("    seeds: [\"https://example.org/\"]\n", "    seeds: []\n"), "seeds"),
    (("      hosts: [example.org]\n", "      include: [/x]\n"), "scope.hosts"),
    (("    kind: municipality\n", "    kind: municipality\n    kinds: [x]\n"), "unknown field"),
    (("    name: Sample\n", "    name: 42\n"), "name"),
])
def test_a_schema_error_raises_catalogue_error_naming_the_entry(tmp_path, breakage, fragment):
    broken = GOOD_SOURCE.format(key="broken-entry").replace(*breakage)
    path = write_catalogue(tmp_path, GOOD_SOURCE.format(key="fine-entry") + broken)
    with pytest.raises(CatalogueError) as error:
        load_catalogue(path)
    assert "broken-entry" in str(error.value)
    assert fragment in str(error.value)
    assert isinstance(error.value, ValueError)


def test_a_duplicate_key_raises_catalogue_error(tmp_path):
    path = write_catalogue(tmp_path, GOOD_SOURCE.format(key="twin") * 2)
    with pytest.raises(CatalogueError, match="'twin': duplicate key"):
        load_catalogue(path)


def test_an_entry_without_a_key_is_named_by_position(tmp_path):
    body = GOOD_SOURCE.format(key="first") + GOOD_SOURCE.format(key="x").replace("  - key: x\n", "  - name0: x\n")
    with pytest.raises(CatalogueError, match="source #2: missing field 'key'"):
        load_catalogue(write_catalogue(tmp_path, body))


def test_a_file_that_is_not_yaml_raises_catalogue_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("sources: [\n  - key: : :\n", encoding="utf-8")
    with pytest.raises(CatalogueError):
        load_catalogue(path)


@pytest.mark.parametrize("seed", ["http://127.0.0.1:8099\\@1.1.1.1/cases", "https://example.org\\@10.0.0.1/cases",
                                  "https://exa mple.org/cases", "https://example.org:99999/cases",
                                  "https://[2002:7f00:1::]/cases", "https://example.org\x00/cases"])
def test_a_seed_disguising_its_host_or_unreadable_is_reported(seed):
    assert url_problem(seed) is not None
    assert any("seed" in problem for problem in validate_entry(make_entry(seeds=(seed,))))


def test_www_and_the_bare_host_are_one_site_in_the_catalogue_as_in_the_crawl():
    entry = make_entry(seeds=("https://www.example.org/cases",))
    assert validate_entry(entry) == []
    assert url_in_scope(entry, "https://www.example.org/cases/ghent")
    assert not url_in_scope(entry, "https://wwwexample.org/cases")


def test_a_host_is_written_as_dns_has_it():
    assert "as DNS has it" in host_problem("bürger.example.de")
