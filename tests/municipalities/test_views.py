import re


def test_index_lists_all_municipalities_by_department_with_pilots_marked(client):
    html = client.get("/municipios/").get_data(as_text=True)
    assert len(set(re.findall(r'href="/municipios/(\d{4})"', html))) == 340
    assert html.count("badge--pilot") == 8 + 1  # eight pilots, plus the legend
    assert "Alta Verapaz" in html and "Totonicapán" in html


def test_municipality_page_has_an_empty_state(client):
    html = client.get("/municipios/0108").get_data(as_text=True)
    assert "Mixco" in html
    assert "todavía no ha realizado ninguna ideatón" in html
    assert "Municipio piloto del programa" in html


def test_municipality_page_lists_its_ideathons(client, make_ideathon):
    make_ideathon("0108", title="Ideatón de Mixco")
    make_ideathon("0901", title="Ideatón de Xela")
    html = client.get("/municipios/0108").get_data(as_text=True)
    assert "Ideatón de Mixco" in html and "Ideatón de Xela" not in html


def test_unknown_or_malformed_codes_are_404(client):
    for path in ("/municipios/9999", "/municipios/108", "/municipios/abcd"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Página no encontrada" in response.get_data(as_text=True)
