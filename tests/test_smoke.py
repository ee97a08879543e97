def test_home_renders_in_spanish(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Ideatones" in response.get_data(as_text=True)
