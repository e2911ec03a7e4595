"""The API documentation: framed in the interface language, code shown as code, real example answers, an index."""
from __future__ import annotations

import lxml.html
from flask.testing import FlaskClient


def test_api_v1_is_an_index_of_every_endpoint(corpus_client: FlaskClient) -> None:
    document = corpus_client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1", "/api/v1/"):
        response = corpus_client.get(path)
        assert response.status_code == 200 and response.is_json, path
        index = response.get_json()
        listed = {(e["method"], e["path"]) for e in index["endpoints"]}
        assert listed == {(m.upper(), p) for p, methods in document["paths"].items() for m in methods}
        assert index["documentation"].endswith("/api/v1/docs") and index["openapi"].endswith("/api/v1/openapi.json")
    assert corpus_client.get("/api/v1?bogus=1").status_code == 400


def test_docs_show_code_as_code_real_examples_and_say_which_language_the_reference_is_in(
        corpus_client: FlaskClient) -> None:
    doc = lxml.html.fromstring(corpus_client.get("/api/v1/docs?ui=it").get_data(as_text=True))
    main = doc.xpath("//main")[0]
    assert "`" not in main.text_content(), "no raw Markdown backticks"
    assert doc.xpath('//section[@id="api_search"]//p[@lang="en"]/code[.="matched_by"]')
    example = doc.xpath('//section[@id="api_search"]//details[@class="api-example"]//pre')[0].text_content()
    assert '"results"' in example and '"matched_by"' in example and '"detected_lang"' in example
    assert doc.xpath('//section[@id="api_record"]//details[@class="api-example"]')
    # The Italian framing says the reference is in English, and every English part is marked as English.
    notice = doc.xpath('//p[@class="notice"]')[0].text_content()
    assert "inglese" in notice
    summary = doc.xpath('//section[@id="api_search"]//strong')[0]
    assert summary.get("lang") == "en"
    assert doc.xpath('//section[@id="api_search"]//summary')[0].text_content().startswith("Esempio di risposta")
