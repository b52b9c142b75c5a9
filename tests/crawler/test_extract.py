from crawler.extract import decode_html, extract_html


def test_extraction_drops_navigation_footer_and_cookie_banner():
    html = """<html lang="nl"><head><title>Digitaal loket</title>
    <meta name="description" content="Aanvragen van thuis uit">
    <link rel="canonical" href="/loket"><link rel="alternate" hreflang="fr" href="/fr/guichet"></head>
    <body><div class="cookie-banner">Wij gebruiken cookies</div><nav>Menu Home Contact</nav>
    <main><h1>Digitaal loket</h1><p>Inwoners vragen attesten aan.</p>
    <div class="related">Gerelateerde cases</div></main><footer>Disclaimer</footer></body></html>"""
    page = extract_html(html, "https://stad.be/x")
    assert page.title == "Digitaal loket"
    assert "Inwoners vragen attesten aan." in page.text
    for boilerplate in ("cookies", "Menu", "Disclaimer", "Gerelateerde"):
        assert boilerplate not in page.text
    assert page.declared_lang == "nl"
    assert page.canonical == "https://stad.be/loket"
    assert page.alternates == {"fr": "https://stad.be/fr/guichet"}
    assert page.description == "Aanvragen van thuis uit"


def test_json_ld_gives_place_country_themes_year_and_type():
    html = """<html><head><script type="application/ld+json">{"@type":"Article","additionalType":"case",
    "about":["open-data"],"keywords":"open data, sensoren","temporalCoverage":"2016/..",
    "spatialCoverage":{"@type":"Place","name":"Gent","address":{"addressCountry":"be"}}}</script></head>
    <body><p>Tekst</p></body></html>"""
    fields = extract_html(html, "https://gent.be/").fields
    assert fields["doc_type"] == "case"
    assert fields["municipality"] == "Gent"
    assert fields["country"] == "BE"
    assert fields["year"] == 2016
    assert fields["about"] == ["open-data"]


def test_malformed_html_and_broken_json_ld_do_not_raise():
    page = extract_html("<html><body><p>Open <b>data<p>zonder<script type='application/ld+json'>{bad", "http://h/")
    assert "Open" in page.text


def test_windows_1252_without_declared_charset_is_decoded():
    body = "<html><body><p>Ceci est un “guichet” électronique – pour tous</p></body></html>".encode("cp1252")
    assert "“guichet” électronique – pour" in decode_html(body, None)
