"""A partner's drafts stay theirs: another organisation never sees their titles, languages or statuses."""
from __future__ import annotations

from flask import Flask

from test_html_submit import publish_corpus, record_id_from, signed_in


def draft_translation(client, original_id: int, lang: str, title: str) -> int:  # noqa: ANN001 - FlaskClient
    response = client.post("/submit/new", data={"translation_of": str(original_id), "lang": lang, "title": title,
                                                "body": f"{title}: testo.", "save": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return record_id_from(response)


def test_other_language_versions_show_no_other_organisation_s_drafts(app: Flask) -> None:
    original_id = publish_corpus(app, "pr-it-001")["pr-it-001"]
    spanish_partner = signed_in(app, "lucia@example.org", "partner", "accion-contra-el-hambre")
    french_partner = signed_in(app, "marc@example.org", "partner", "enm")
    secret = "Borrador confidencial de otra organizacion"
    their_draft = draft_translation(spanish_partner, original_id, "es", secret)
    own_draft = draft_translation(french_partner, original_id, "fr", "Microcrédit accompagné, brouillon")

    page = french_partner.get(f"/submit/{own_draft}").get_data(as_text=True)
    assert "Other language versions" in page and "(the original)" in page  # the published original is listed
    assert secret not in page, "a partner sees another organisation's draft under 'Other language versions'"
    assert "Spanish" not in page.split("Other language versions")[1].split("</section>")[0]

    # The owners and the editors still see every version.
    assert "Microcrédit accompagné, brouillon" not in spanish_partner.get(f"/submit/{their_draft}").get_data(as_text=True)
    editor = signed_in(app, "edna@example.org", "editor")
    review = editor.get(f"/submit/{own_draft}").get_data(as_text=True)
    assert secret in review
