"""Three ways in, same result: every real-world file imports through the CLI, the API and the web page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.access import Role
from app.api.models import ApiToken
from app.api.services import create_token
from app.audit.models import AuditEvent
from app.extensions import db
from app.inventory import services
from app.inventory.models import Component, ImportRun, Product, Release
from tests.helpers import DATA as DATA_DIR
from tests.inventory.factories import release_with
from tests.inventory.realworld import FILES, expected_components

SUMMARY_KEYS = ["product", "release", "format", "components", "direct", "transitive", "licences",
                "unknown_licences", "added", "removed", "upgraded", "downgraded", "licence_changed", "compared_with",
                "warnings"]


def stored_components(product: str, version: str) -> int:
    return db.session.scalar(select(func.count(Component.id)).join(Release).join(Product).where(
        Product.name == product, Release.version == version))


def table_counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Product, Release, ImportRun, Component, AuditEvent))


@pytest.fixture
def token(app, make_user) -> str:
    admin = make_user("ada", Role.ADMIN)
    _token, plain = create_token("CI", by=admin, may_create_products=True)
    db.session.commit()
    return plain


def api_import(client, token: str, product: str, version: str, name: str, content: bytes, **form):
    return client.post(f"/api/v1/products/{product}/releases/{version}/imports",
                       data={"file": (io.BytesIO(content), name), **form},
                       headers={"Authorization": f"Bearer {token}"}, content_type="multipart/form-data")


def web_import(client, release_id: int, name: str, content: bytes, *, json_answer: bool = False):
    headers = {"Accept": "application/json"} if json_answer else {}
    return client.post(f"/releases/{release_id}/imports", data={"files": (io.BytesIO(content), name)},
                       headers=headers, content_type="multipart/form-data")


def draft_release(name: str = "Device", version: str = "1.0") -> Release:
    release = services.ensure_release(name, version)
    db.session.commit()
    return release


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_real_world_file_imports_through_the_cli(app, path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["inventory", "import", "--product", "Device", "--release", "1.0",
                                                str(path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert list(summary) == SUMMARY_KEYS
    expected = expected_components(path)
    assert summary["components"] == expected == stored_components("Device", "1.0")
    assert summary["direct"] + summary["transitive"] <= expected
    assert sum(summary["licences"].values()) >= expected


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_real_world_file_imports_through_the_api(app, client, token: str, path: Path) -> None:
    response = api_import(client, token, "Device", "1.0", path.name, path.read_bytes())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert list(response.json) == SUMMARY_KEYS
    assert response.json["components"] == expected_components(path) == stored_components("Device", "1.0")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_real_world_file_imports_through_the_web_page(app, login_as, path: Path) -> None:
    release = draft_release()
    client = login_as(Role.ENGINEER)
    response = web_import(client, release.id, path.name, path.read_bytes(), json_answer=True)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["components"] == expected_components(path) == stored_components("Device", "1.0")


def test_the_three_channels_give_the_same_summary(app, login_as, token: str) -> None:
    path = next(p for p in FILES if p.name == "poetry-poetry.lock")
    cli = app.test_cli_runner().invoke(args=["inventory", "import", "--product", "A", "--release", "1", str(path)])
    api = api_import(app.test_client(), token, "B", "1", path.name, path.read_bytes())
    release = draft_release("C", "1")
    web = web_import(login_as(Role.ENGINEER), release.id, path.name, path.read_bytes(), json_answer=True)
    summaries = [json.loads(cli.stdout), api.json, {k: v for k, v in web.json.items() if k != "release_url"}]
    for summary in summaries:
        summary.pop("product")
    assert summaries[0] == summaries[1] == summaries[2]


def test_every_channel_shows_the_warnings_of_an_import(app, login_as, token: str) -> None:
    """A document read leniently says so on the CLI (JSON on stdout), in the API's JSON and on the web page."""
    from tests.helpers import DATA

    path = DATA / "realworld" / "spdx" / "missionlz-manifest.spdx.json"
    cli = app.test_cli_runner().invoke(args=["inventory", "import", "--product", "A", "--release", "1", str(path)])
    api = api_import(app.test_client(), token, "B", "1", path.name, path.read_bytes())
    for summary in (json.loads(cli.stdout), api.json):
        assert any("read leniently" in warning for warning in summary["warnings"])
        assert all(warning.startswith(f"{path.name}: ") for warning in summary["warnings"])
    release = draft_release("C", "1")
    client = login_as(Role.ENGINEER)
    response = web_import(client, release.id, path.name, path.read_bytes())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "warning(s):" in page and "read leniently" in page
    release_page = client.get(f"/releases/{release.id}").get_data(as_text=True)
    assert "Imported files (1)" in release_page and "read leniently" in release_page


def test_the_release_page_keeps_the_warnings_of_every_file_it_holds(app, login_as) -> None:
    """Two files imported one after the other: the page showed only the last import's warnings."""
    from tests.helpers import DATA

    lenient = DATA / "realworld" / "spdx" / "missionlz-manifest.spdx.json"
    release = draft_release("D", "1")
    client = login_as(Role.ENGINEER)
    web_import(client, release.id, lenient.name, lenient.read_bytes())
    web_import(client, release.id, "requirements.txt", b"flask==3.0.3\n")

    page = client.get(f"/releases/{release.id}").get_data(as_text=True)

    assert "Imported files (2)" in page
    assert lenient.name in page and "requirements.txt" in page and "read leniently" in page
    assert "<td>SPDX JSON</td>" in page and "<td>spdx-json</td>" not in page  # formats by their labels


def test_the_plain_form_redirects_back_with_the_summary(app, login_as) -> None:
    release = draft_release()
    client = login_as(Role.ENGINEER)
    response = web_import(client, release.id, "requirements.txt", b"flask==3.0.0\nclick==8.1.7\n")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 components. The release compared with nothing (the product&#39;s first): 2 added" in page


def test_the_summary_says_what_its_change_counts_compare(app, login_as) -> None:
    """"Imported 1 components (2 added, ...)": the count was the file's, the changes the whole release's against the
    previous release; the summary now names that release."""
    release_with("Pump", "1.0", {"requirements.txt": b"flask==3.0.0\nclick==8.1.7\n"})
    second, summary = release_with("Pump", "2.0", {"requirements.txt": b"flask==3.0.3\n"})
    assert summary["compared_with"] == "1.0"
    assert (summary["components"], summary["upgraded"], summary["removed"]) == (1, 1, 1)
    client = login_as(Role.ENGINEER)
    response = web_import(client, second.id, "extra.txt", b"rich==13.0.0\n")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 1 components. The release compared with release 1.0: 1 added, 1 removed, 1 upgraded" in page


def test_the_cli_names_the_bad_file_on_stderr_and_exits_2(app, tmp_path: Path) -> None:
    bad = tmp_path / "package-lock.json"
    bad.write_text('{"lockfileVersion": 3, "packages": ')
    before = table_counts()
    result = app.test_cli_runner().invoke(args=["inventory", "import", "--product", "D", "--release", "1", str(bad)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "package-lock.json" in result.stderr and result.stderr.startswith("error: ")
    assert "package-lock.json: package-lock.json" not in result.stderr  # the file named once, not twice
    assert table_counts() == before


def test_the_api_refuses_missing_revoked_and_unknown_tokens(app, client, make_user) -> None:
    admin = make_user("ada", Role.ADMIN)
    token, plain = create_token("CI", by=admin, may_create_products=True)
    db.session.commit()
    content = b"flask==3.0.0\n"
    assert api_import(client, "", "D", "1", "requirements.txt", content).status_code == 401
    assert api_import(client, "prov_nope", "D", "1", "requirements.txt", content).status_code == 401
    token = db.session.get(ApiToken, token.id)
    token.revoked_at = token.created_at
    db.session.commit()
    assert api_import(client, plain, "D", "1", "requirements.txt", content).status_code == 401
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_a_session_cookie_does_not_open_the_api(app, login_as) -> None:
    client = login_as(Role.ENGINEER)
    response = client.post("/api/v1/products/D/releases/1/imports",
                           data={"file": (io.BytesIO(b"flask==3.0.0\n"), "requirements.txt")})
    assert response.status_code == 401


def test_tokens_are_stored_hashed_and_their_use_is_audited(app, client, token: str) -> None:
    stored = db.session.scalars(select(ApiToken)).one()
    assert token not in (stored.token_hash, stored.prefix) and stored.prefix == token[:12]
    api_import(client, token, "D", "1", "requirements.txt", b"flask==3.0.0\n")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "token_used")) == 1
    imported = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "release.imported")).one()
    assert imported.actor_name.startswith("API token prov_")


def test_an_admin_makes_and_revokes_tokens_in_the_browser_pages(app, login_as) -> None:
    client = login_as(Role.ADMIN)
    page = client.post("/api/v1/tokens", data={"name": "CI pump", "may_create_products": "y"}).get_data(as_text=True)
    token = db.session.scalars(select(ApiToken)).one()
    assert "shown only once" in page and token.prefix in page
    assert client.post(f"/api/v1/tokens/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None


# --- A frozen release answers 409 everywhere ----------------------------------------------------


@pytest.fixture
def frozen_release(app, make_user) -> Release:
    from tests.inventory.gated import make_ready_otss, sign_and_freeze

    engineer, qa = make_user("erin", Role.ENGINEER), make_user("quinn", Role.QA)
    release = services.ensure_release("Device", "1.0")
    services.import_files(release, [services.UploadedFile("requirements.txt", b"flask==3.0.0\n")])
    make_ready_otss(release, engineer)
    sign_and_freeze(release, engineer, qa)
    db.session.commit()
    return release


def test_a_frozen_release_answers_409_to_the_cli(app, frozen_release: Release, tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("django==5.0\n")
    result = app.test_cli_runner().invoke(args=["inventory", "import", "--product", "Device", "--release", "1.0",
                                                str(path)])
    assert result.exit_code == 3 and "frozen" in result.stderr
    assert stored_components("Device", "1.0") == 1


def test_a_frozen_release_answers_409_to_the_api(app, client, token: str, frozen_release: Release) -> None:
    response = api_import(client, token, "Device", "1.0", "requirements.txt", b"django==5.0\n")
    assert response.status_code == 409 and "frozen" in response.json["message"]
    assert stored_components("Device", "1.0") == 1


def test_the_api_refuses_a_product_name_or_version_longer_than_stored_and_creates_nothing(app, client,
                                                                                           token: str) -> None:
    """The API takes both from the URL: over the column length, PostgreSQL refused the row (a 500) and SQLite kept it."""
    for product, version, said in (("P" * 201, "1.0", "A product name has at most 200 characters (this one has 201)"),
                                   ("Device", "v" * 101, "A release version has at most 100 characters")):
        response = api_import(client, token, product, version, "requirements.txt", b"django==5.0\n")
        assert response.status_code == 422 and said in response.json["message"], response.json
    assert db.session.scalar(select(func.count(Release.id))) == 0
    assert api_import(client, token, "P" * 200, "v" * 100, "requirements.txt", b"django==5.0\n").status_code == 201


def test_a_frozen_release_answers_409_to_the_web_pages(app, login_as, frozen_release: Release) -> None:
    client = login_as(Role.QA)
    component_id = db.session.scalar(select(Component.id).where(Component.release_id == frozen_release.id))
    assert web_import(client, frozen_release.id, "requirements.txt", b"django==5.0\n").status_code == 409
    assert client.post(f"/releases/{frozen_release.id}/bulk", data={
        "action": "classify", "classification": "soup", "component_ids": [component_id]}).status_code == 409
    assert client.post(f"/components/{component_id}/edit", data={
        "name": "flask", "version": "9", "ecosystem": "pypi", "scope": "runtime", "classification": "soup",
        "safety_class": "A", "risk_level": "low", "status": "evaluated"}).status_code == 409
    assert client.post(f"/components/{component_id}/supplier", data={"create": "y"}).status_code == 409
    page = client.get(f"/components/{component_id}").get_data(as_text=True)
    assert "Save component" not in page and "The release is frozen." in page
    assert stored_components("Device", "1.0") == 1


# --- Fuzz: random and mutated bytes never get past the importer's own error ----------------------

SEEDS = [p.read_bytes()[:4000] for p in FILES if p.stat().st_size < 200_000]
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        position = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        choice = draw(st.sampled_from(["flip", "cut", "insert"]))
        if choice == "flip" and data:
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif choice == "cut":
            del data[position:position + draw(st.integers(min_value=1, max_value=400))]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


NAMES = st.sampled_from(["requirements.txt", "package-lock.json", "bom.cdx.json", "sbom.spdx.json", "poetry.lock",
                         "pyproject.toml", "bom.xml", "upload.bin", "package.json"])


def _check_refusal_or_import(response, before: tuple[int, ...]) -> None:
    if response.status_code in (200, 201):
        return  # the mutation kept the file valid: that is an import, not an escape
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:500]
    assert response.json["message"].strip()
    assert "Traceback" not in response.get_data(as_text=True)
    assert table_counts() == before


@pytest.fixture
def engineer_client(login_as):
    return login_as(Role.ENGINEER)


@FUZZ
@given(content=st.one_of(st.binary(max_size=2000), mutated()), name=NAMES)
def test_fuzzed_uploads_to_the_web_page_fail_cleanly_and_change_nothing(app, engineer_client, content: bytes,
                                                                        name: str) -> None:
    release = services.ensure_release("Fuzz", "1.0")
    db.session.commit()
    before = table_counts()
    _check_refusal_or_import(web_import(engineer_client, release.id, name, content, json_answer=True), before)


@FUZZ
@given(content=st.one_of(st.binary(max_size=2000), mutated()), name=NAMES)
def test_fuzzed_uploads_to_the_api_fail_cleanly_and_change_nothing(app, client, token: str, content: bytes,
                                                                   name: str) -> None:
    services.ensure_release("Fuzz", "1.0")
    db.session.commit()
    before = table_counts()
    _check_refusal_or_import(api_import(client, token, "Fuzz", "1.0", name, content), before)


def test_inventory_uploads_have_their_own_limit_above_the_request_limit(app, login_as, token: str,
                                                                           monkeypatch) -> None:
    """INVENTORY_UPLOAD_MAX_BYTES, not MAX_CONTENT_LENGTH (nor UPLOAD_MAX_BYTES), bounds a lockfile or SBOM upload."""
    path = next(p for p in FILES if p.name == "nodegoat-package-lock.json")
    content = path.read_bytes()
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 64 * 1024)
    monkeypatch.setitem(app.config, "INVENTORY_UPLOAD_MAX_BYTES", 2 * len(content))
    release = draft_release()
    client = login_as(Role.ENGINEER)
    assert web_import(client, release.id, path.name, content, json_answer=True).status_code == 201
    assert api_import(app.test_client(), token, "Other", "1.0", path.name, content).status_code == 201
    monkeypatch.setitem(app.config, "INVENTORY_UPLOAD_MAX_BYTES", len(content) // 2)
    refused = api_import(app.test_client(), token, "Third", "1.0", path.name, content)
    assert refused.status_code == 422
    assert f"larger than {len(content) // 2 / 1024 / 1024:.1f} MB" in refused.get_data(as_text=True)


UNSUPPORTED = sorted((DATA_DIR / "realworld" / "unsupported").iterdir())
SUPPORTED_NAMES = ("cyclonedx-json", "spdx-json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock",
                   "uv.lock", "Pipfile.lock", "requirements.txt", "packages.config", "csproj")


def upload_name(path: Path) -> str:
    """The name the file has in its own project (the fixture's name is prefixed with where it comes from)."""
    return path.name.split("-", 1)[1]


@pytest.mark.parametrize("path", UNSUPPORTED, ids=upload_name)
def test_a_real_file_of_an_unsupported_format_is_refused_on_the_cli_naming_the_supported_ones(app, tmp_path,
                                                                                             path: Path) -> None:
    upload = tmp_path / upload_name(path)
    upload.write_bytes(path.read_bytes())
    before = table_counts()
    result = app.test_cli_runner().invoke(args=["inventory", "import", "--product", "D", "--release", "1",
                                                str(upload)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {upload.name}: {upload.name.lower()!r} is a")
    assert "a format this product does not import. Supported formats: " in result.stderr
    assert all(name in result.stderr for name in SUPPORTED_NAMES)
    assert table_counts() == before


@pytest.mark.parametrize("path", UNSUPPORTED, ids=upload_name)
def test_a_real_file_of_an_unsupported_format_is_refused_on_the_web_page_naming_the_supported_ones(
        app, login_as, path: Path) -> None:
    release = draft_release()
    client = login_as(Role.ENGINEER)
    before = table_counts()
    response = web_import(client, release.id, upload_name(path), path.read_bytes(), json_answer=True)
    assert response.status_code == 422, response.get_data(as_text=True)
    message = response.json["message"]
    assert "a format this product does not import" in message and all(name in message for name in SUPPORTED_NAMES)
    assert table_counts() == before
    page = web_import(client, release.id, upload_name(path), path.read_bytes())
    assert page.status_code in (200, 302, 400, 422)
    shown = client.get(page.headers["Location"]) if page.status_code == 302 else page
    assert "a format this product does not import" in shown.get_data(as_text=True)
