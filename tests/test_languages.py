"""Interface languages beyond Spanish and English (issue 17): configured with IDEABOARD_LANGUAGES,
each offered by its own name, and a language Babel does not know (Kaqchikel, Mam) still served:
its catalogue for the words, Spanish of Guatemala (FORMAT_FALLBACK) for dates, numbers and plurals.
"""
import pytest

SIX = ("es", "en", "quc", "kek", "cak", "mam")


@pytest.mark.app_config(LANGUAGES=SIX)
@pytest.mark.parametrize("header", ["cak", "mam-GT", "cak-GT,es;q=0.5"])
def test_a_language_babel_does_not_know_is_no_500(client, header):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    response = client.get("/no-such-page", headers={"Accept-Language": header})
    assert response.status_code == 404
