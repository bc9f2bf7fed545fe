"""Who gets what, by every URL: scope by region, masked NIKs for analis, nothing logged out."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.routing import APIRoute

from tests.portal.conftest import PASSWORD, csrf_of
from tests.portal.fixture_data import (
    EARLIER,
    KARAWANG_BRANCH,
    KARAWANG_KEY,
    KARAWANG_NAME,
    KARAWANG_NIK,
    KARAWANG_NIK_MASKED,
    KEY_62,
    PERIOD,
    REVIEW_KARAWANG,
    full_niks,
)

P = PERIOD
K = KARAWANG_KEY
# Every GET route, pointed at the Karawang (32.15) employer wherever a route takes one, and with
# every filter that could pull it in.
GET_URLS = [
    "/",
    "/periods",
    f"/periods/{P}",
    f"/periods/{EARLIER}",
    f"/periods/{P}/quality",
    f"/periods/{P}/quality/report",
    f"/periods/{P}/findings",
    f"/periods/{P}/findings?cari={K}",
    f"/periods/{P}/findings?cari=Karawang",
    f"/periods/{P}/findings?wilayah=32.15",
    f"/periods/{P}/findings?wilayah=32",
    f"/periods/{P}/findings?cabang={KARAWANG_BRANCH}",
    f"/periods/{P}/findings?kategori=PWBD&urut=nama&arah=turun",
    f"/periods/{P}/employers/{K}",
    f"/periods/{EARLIER}/employers/{K}",
    f"/periods/{P}/employers/{K}?identitas=lengkap",
    "/api/periods",
    f"/api/periods/{P}/findings.csv",
    f"/api/periods/{P}/findings.csv?cari={K}",
    f"/api/periods/{P}/findings.csv?wilayah=32.15",
    f"/api/periods/{P}/findings.xlsx",
    f"/api/periods/{P}/findings.xlsx?cabang={KARAWANG_BRANCH}",
    f"/api/periods/{P}/workers.csv",
    f"/api/periods/{P}/workers.csv?cari={K}",
    f"/api/periods/{P}/workers.csv?identitas=lengkap",
    f"/api/periods/{P}/workers.xlsx",
    f"/api/periods/{P}/workers.xlsx?cari={K}",
    f"/api/periods/{P}/workers.xlsx?identitas=lengkap",
    f"/api/periods/{P}/coverage.csv",
    f"/api/periods/{P}/coverage.xlsx",
    f"/api/periods/{P}/employers/{K}/referral.pdf",
    f"/api/periods/{P}/employers/{KEY_62}/referral.pdf",
    "/admin/users",
    "/admin/audit",
    "/api/audit.csv",
    "/tinjauan",
    f"/periods/{P}/tinjauan",
    f"/periods/{EARLIER}/tinjauan",
    f"/periods/{P}/tinjauan?keputusan=semua&cari=Karawang",
    f"/periods/{P}/tinjauan?keputusan=semua&cari={REVIEW_KARAWANG}",
    f"/periods/{P}/tinjauan?keputusan=semua&wilayah=32.15",
    f"/periods/{P}/tinjauan?keputusan=semua&cabang={KARAWANG_BRANCH}",
    f"/periods/{P}/tinjauan?tersimpan={REVIEW_KARAWANG}",
    f"/api/periods/{P}/review.csv",
    f"/api/periods/{P}/review.csv?keputusan=semua&cari={K}",
    f"/api/periods/{P}/review.xlsx?keputusan=semua",
    "/tugas",
    f"/periods/{P}/kasus",
    f"/periods/{P}/kasus?cari=Karawang",
    f"/periods/{P}/kasus?cabang={KARAWANG_BRANCH}",
    "/tren",
    f"/tren?cabang={KARAWANG_BRANCH}",
    "/akun",
    "/api/letters/1.pdf",
    "/api/letters/1.docx",
    f"/api/kasus/{K}/PWBD/riwayat.xlsx",
    "/api/audit.xlsx",
]
POST_URLS = [
    (
        f"/periods/{P}/employers/{K}/followup",
        {"category": "PWBD", "stage": "SP1", "stage_date": "2026-11-02", "officer": "x", "note": "y"},
    ),
    (
        f"/periods/{P}/employers/{KEY_62}/followup",
        {"category": "PDS_TK", "stage": "SP1", "stage_date": "2026-11-02", "officer": "x", "note": "y"},
    ),
    ("/admin/users/sup3215/active", {"active": "0"}),
    ("/logout", {}),
    (f"/periods/{P}/kasus", {"aksi": "tugaskan", "pilih": f"{K}|PWBD", "petugas": "ana62"}),
    (f"/periods/{P}/employers/{K}/kasus/PWBD/tugaskan", {"petugas": "ana3215"}),
    (f"/periods/{P}/employers/{K}/kasus/PWBD/surat/SP1", {}),
    ("/akun/sandi", {"sekarang": "x", "baru": "y", "ulang": "y"}),
    ("/akun/reset", {"pengguna": "ana3215"}),
    (f"/periods/{P}/tinjauan/keputusan", {"review_id": REVIEW_KARAWANG, "decision": "SAMA", "note": "y"}),
]
# A reset link's page needs no session: its one-time token is the credential (test_accounts.py).
PUBLIC = {"/login", "/static/rekon.css", "/healthz", "/reset/TOKEN"}
SECRETS_OF_3215 = (
    KARAWANG_NAME,
    KARAWANG_KEY,
    KARAWANG_NIK,
    KARAWANG_NIK_MASKED,
    KARAWANG_BRANCH,
    "Karawang",
)


def body_text(response) -> str:
    """The text a person or script could read from a response, XLSX parts included."""
    if response.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return response.content.decode("utf-8", "replace")


def _template(url: str) -> str:
    return url.split("?")[0]


def test_every_route_is_covered_by_these_tests(app) -> None:
    """A new route must be added to the lists above, or this fails."""
    covered = {_template(u) for u in GET_URLS} | {u for u, _ in POST_URLS} | PUBLIC
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        example = (
            route.path.replace("{period}", P)
            .replace("{employer_key}", K)
            .replace("{username}", "sup3215")
            .replace("{category}", "PWBD")
            .replace("{kind}", "SP1")
            .replace("{letter_id}.{fmt}", "1.pdf")
            .replace("{token}", "TOKEN")
        )
        alt = example.replace(K, KEY_62)
        assert example in covered or alt in covered, f"route {route.path} has no authorization test"


@pytest.mark.parametrize("url", GET_URLS)
def test_logged_out_gets_nothing(as_user, url: str) -> None:
    client = as_user(None)
    response = client.get(url, follow_redirects=False)
    if url == "/":
        assert response.status_code == 303 and response.headers["location"] == "/periods"
    elif url.startswith("/api/"):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
    else:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    assert "Satu Jaya" not in response.text and KEY_62 not in response.text
    for secret in SECRETS_OF_3215:
        assert secret not in response.text


@pytest.mark.parametrize("url,form", POST_URLS)
def test_logged_out_cannot_post(as_user, url: str, form: dict) -> None:
    response = as_user(None).post(url, data={**form, "csrf_token": "x"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.parametrize("url", GET_URLS)
def test_analis_62_sees_nothing_of_32_15_and_no_full_nik(logged_in, portal_data, url: str) -> None:
    response = logged_in("ana62").get(url)
    text = body_text(response)
    # The page echoes the user's own search in its form and links; a leaked row would still show
    # the employer's name, which no query here contains.
    for value in parse_qs(urlsplit(url).query).values():
        text = text.replace(value[0], "")
    for secret in SECRETS_OF_3215:
        assert secret not in text, f"{url} leaks {secret}"
    for nik in full_niks(portal_data):
        assert nik not in text, f"{url} shows a full NIK"
    template = _template(url)
    if template.endswith(f"/employers/{K}"):
        # Out of scope looks exactly like "no such employer": 404, or 403 for what analis never get.
        assert response.status_code == (403 if "identitas" in url else 404)
    elif url.startswith(("/api/letters/", "/api/kasus/")):
        assert response.status_code == 404  # no such letter or case in their regions
    elif (
        "referral.pdf" in url
        or "identitas=lengkap" in url
        or url.startswith(("/admin", "/api/audit"))
        or url.endswith("/report")
    ):
        assert response.status_code == 403
    else:
        assert response.status_code == 200
    if (
        any(f in url for f in (f"cari={K}", "cari=Karawang", "wilayah=32.15", "cabang=KC"))
        and "/findings?" in url
    ):
        assert "\n  0 temuan." in response.text


def test_analis_62_does_see_region_62(as_user) -> None:
    client = as_user("ana62")
    assert "Satu Jaya" in client.get(f"/periods/{P}/findings?cari=Satu").text
    page = client.get(f"/periods/{P}/employers/{KEY_62}")
    assert page.status_code == 200 and "627101******0004" in page.text
    assert "identitas=lengkap" not in page.text and "referral.pdf" not in page.text
    csv = client.get(f"/api/periods/{P}/findings.csv").text
    assert KEY_62 in csv and csv.count("\n") == 1 + 9  # header + the nine findings of region 62


@pytest.mark.parametrize("url,form", POST_URLS[:3])
def test_analis_62_cannot_post(as_user, url: str, form: dict) -> None:
    client = as_user("ana62")
    response = client.post(url, data={**form, "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 403


def test_analis_62_cannot_run_casework(as_user) -> None:
    client = as_user("ana62")
    token = csrf_of(client)
    for url, form in POST_URLS[4:6]:
        assert client.post(url, data={**form, "csrf_token": token}, follow_redirects=False).status_code == 403
    # A case in their region that is not assigned to them: no letter either.
    url = f"/periods/{P}/employers/{KEY_62}/kasus/PDS_TK/surat/SP1"
    assert client.post(url, data={"csrf_token": token}, follow_redirects=False).status_code == 403
    assert client.post("/akun/reset", data={"csrf_token": token, "pengguna": "ana62"}).status_code == 403


def test_supervisor_62_cannot_act_on_32_15(as_user) -> None:
    client = as_user("sup62")
    token = csrf_of(client)
    for url, form in POST_URLS[5:7]:
        assert client.post(url, data={**form, "csrf_token": token}, follow_redirects=False).status_code == 404
    bulk = client.post(
        f"/periods/{P}/kasus", data={**POST_URLS[4][1], "csrf_token": token}, follow_redirects=False
    )
    assert bulk.status_code == 303 and "hasil=0-1" in bulk.headers["location"]
    assert client.post("/akun/reset", data={"csrf_token": token, "pengguna": "ana3215"}).status_code == 403


def test_supervisor_62_gets_404_for_32_15_everywhere(as_user) -> None:
    client = as_user("sup62")
    assert client.get(f"/periods/{P}/employers/{K}").status_code == 404
    assert client.get(f"/periods/{P}/employers/{K}?identitas=lengkap").status_code == 404
    assert client.get(f"/api/periods/{P}/employers/{K}/referral.pdf").status_code == 404
    form = {**POST_URLS[0][1], "csrf_token": csrf_of(client)}
    assert client.post(f"/periods/{P}/employers/{K}/followup", data=form).status_code == 404
    full = client.get(f"/api/periods/{P}/workers.csv?identitas=lengkap").text
    assert KARAWANG_NIK not in full and "6271010101810004" in full


def test_supervisor_3215_sees_only_3215(as_user) -> None:
    client = as_user("sup3215")
    csv = client.get(f"/api/periods/{P}/findings.csv").text
    assert csv.count("\n") == 1 + 2 and KEY_62 not in csv  # header + PWBD and PDS_TK of Karawang
    coverage = client.get(f"/api/periods/{P}/coverage.csv").text
    # The regency's own row only: a province total is for those who see the whole province.
    assert "32.15" in coverage and ",32," not in coverage and "62" not in coverage.split("\n", 1)[1]
    assert client.get(f"/periods/{P}/employers/{KEY_62}").status_code == 404
    page = client.get(f"/periods/{P}/employers/{K}?identitas=lengkap")
    assert page.status_code == 200 and KARAWANG_NIK in page.text
    pdf = client.get(f"/api/periods/{P}/employers/{K}/referral.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_admin_sees_every_region(as_user) -> None:
    csv = as_user("admin").get(f"/api/periods/{P}/findings.csv").text
    assert K in csv and KEY_62 in csv


def test_basic_auth_gets_the_same_scope(as_user) -> None:
    client = as_user(None)
    response = client.get(f"/api/periods/{P}/findings.csv?wilayah=32.15", auth=("ana62", PASSWORD))
    assert response.status_code == 200 and K not in response.text
    assert (
        client.get(f"/api/periods/{P}/employers/{KEY_62}/referral.pdf", auth=("ana62", PASSWORD)).status_code
        == 403
    )
    # Basic is for downloads only: pages still want the login form.
    assert client.get("/periods", auth=("ana62", PASSWORD), follow_redirects=False).status_code == 303
