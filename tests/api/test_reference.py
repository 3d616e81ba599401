def test_reference_is_public_and_complete(client):
    response = client.get("/api/v1/reference")
    assert response.status_code == 200
    body = response.json
    assert [p["code"] for p in body["protection_types"]] == [
        "relief",
        "education",
        "judicial",
        "employment",
        "medical",
        "mental",
    ]
    assert {s["code"] for s in body["streets"]} == {"sunjiapuzi", "jiangyuan", "chengqiang", "zhengcha"}
    assert {u["code"] for u in body["urgencies"]} == {"emergency", "urgent", "normal"}
    assert len(body["subject_categories"]) == 15
    bureaus = {b["code"]: b for b in body["bureaus"]}
    assert bureaus["civil_affairs"]["name"] == "区民政局"
    assert bureaus["civil_affairs"]["name_en"] == "Civil Affairs Bureau"
    assert "street:jiangyuan" in bureaus
    for item in body["protection_types"] + body["streets"]:
        assert set(item) >= {"code", "name", "name_en"}


def test_reference_for_signed_in_user(login):
    api = login("operator")
    assert api.get("/api/v1/reference").status_code == 200


def test_openapi_and_docs_are_served_without_cdn(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/auth/tokens" in spec.json["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"/static/swagger-ui/swagger-ui-bundle.js" in docs.data
    assert b"cdn" not in docs.data.lower()
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_api_errors_are_json(client):
    for method, url in (("get", "/api/v1/does-not-exist"), ("delete", "/api/v1/reference")):
        response = getattr(client, method)(url)
        assert response.is_json
        assert set(response.json) >= {"code", "status", "message"}
    big = client.post("/api/v1/auth/tokens", data="x" * 200_000, content_type="application/json")
    assert big.status_code == 413 and big.json["code"] == 413
    bad_json = client.post("/api/v1/auth/tokens", data="{not json", content_type="application/json")
    assert bad_json.status_code in (400, 422) and bad_json.is_json


def test_unexpected_error_is_json_500(app, client):
    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/api/v1/_boom")
    assert response.status_code == 500
    assert response.json["code"] == 500 and "boom" not in response.json["message"]
