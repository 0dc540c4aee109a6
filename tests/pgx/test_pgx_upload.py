"""A VCF uploaded to the API and on the PGx page, on both databases: stored with its SHA-256
and its file name (never a path), plain or bgzipped; every bad input (not a VCF, another
genome build, an unknown sample, several samples and none named, an empty file, one too
large) refused with 422 naming ``file`` or ``sample`` and nothing written or audited as
created; a body past the route's limit refused at the door (413); roles; the page's form
(CSRF token in the multipart body, problems beside their field)."""

from __future__ import annotations

import gzip
import hashlib
import html
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_pgx_records import count, overview

from pgx_support import make_vcf
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent
from trdcare.pgx import synthetic, upload
from web_support import WebClient, add_patient, client, field_errors, plain_page, web_app

FIXTURES = (client, web_app)
PANEL = {"CYP2C19": ("*2", "*17"), "CYP2D6": ("*1", "*4")}


def created(client: WebClient) -> int:
    """Audit entries of stored PGx results."""
    with unit_of_work(client.engine) as session:
        rows = session.scalars(
            select(AuditEvent.id).where(
                AuditEvent.action == "create", AuditEvent.entity == "pgx_result"
            )
        )
        return len(list(rows))


def post_vcf(client: WebClient, ref: str, name: str, content: bytes, **data: str) -> Any:
    return client.post(
        f"/api/v1/patients/{ref}/pgx/vcf", files={"file": (name, content)}, data=data
    )


def test_a_plain_and_a_bgzipped_vcf_are_stored_with_checksum_and_name(
    client: WebClient, tmp_path: Path
) -> None:
    ref = add_patient(client.engine, "PGX-UP-1")
    client.as_role("physician")
    plain = make_vcf(tmp_path, {"LAB-0001": PANEL}).read_bytes()
    r = post_vcf(client, ref, "C:\\lab exports\\..\\panel 2025.vcf", plain)
    assert r.status_code == 201, r.text
    results = r.json()["results"]
    assert {g["gene"] for g in results} == {"CYP2C19", "CYP2B6", "CYP2D6"}
    c19 = next(g for g in results if g["gene"] == "CYP2C19")
    assert c19["diplotypes"] == ["*2/*17"] and c19["source"] == "vcf"
    assert c19["file_sha256"] == hashlib.sha256(plain).hexdigest()
    assert c19["file_name"] == "panel_2025.vcf"  # the last component, sanitised
    assert c19["sample"] == "LAB-0001"
    assert overview(client, ref)["genes"]["CYP2D6"]["diplotypes"] == ["*1/*4"]
    assert created(client) == 1

    client.as_role("clinician")
    gz = make_vcf(tmp_path, {"LAB-0002": {"CYP2C19": ("*17", "*17")}}, bgzip=True)
    packed = gz.read_bytes()
    assert packed[:2] == b"\x1f\x8b"
    r = post_vcf(client, ref, "panel.vcf.gz", packed)
    assert r.status_code == 201, r.text
    c19 = next(g for g in r.json()["results"] if g["gene"] == "CYP2C19")
    assert c19["diplotypes"] == ["*17/*17"] and c19["file_name"] == "panel.vcf.gz"
    assert c19["file_sha256"] == hashlib.sha256(packed).hexdigest()
    assert overview(client, ref)["genes"]["CYP2C19"]["phenotype"] == "Ultrarapid Metabolizer"
    assert count(client) == 6


def test_a_multi_sample_vcf_with_its_sample_named(client: WebClient, tmp_path: Path) -> None:
    ref = add_patient(client.engine, "PGX-UP-2")
    client.as_role("physician")
    both = make_vcf(tmp_path, {"S1": {}, "S2": {"CYP2C19": ("*2", "*2")}}).read_bytes()
    r = post_vcf(client, ref, "run.vcf", both, sample="S2")
    assert r.status_code == 201, r.text
    c19 = next(g for g in r.json()["results"] if g["gene"] == "CYP2C19")
    assert c19["diplotypes"] == ["*2/*2"] and c19["sample"] == "S2"


def _bad_inputs(tmp_path: Path) -> list[tuple[str, dict[str, Any], str, str]]:
    """(what, request, field, words in its message)."""
    one = make_vcf(tmp_path, {"S1": PANEL}).read_bytes()
    two = make_vcf(tmp_path, {"S1": {}, "S2": {}}).read_bytes()
    grch37 = make_vcf(
        tmp_path,
        {"S1": {}},
        contig_lengths={"chr10": 135534747, "chr19": 59128983, "chr22": 51304566},
    ).read_bytes()
    b37 = synthetic.vcf_text({"S": {}}).replace(
        "##reference=GRCh38", "##reference=file:///refs/hs37d5.fa"
    )
    return [
        ("text", {"files": {"file": ("notes.vcf", b"hello\tworld\n")}}, "file", "is not a VCF"),
        (
            "gzip text",
            {"files": {"file": ("x.vcf.gz", gzip.compress(b"chrom\tpos\n"))}},
            "file",
            "is not a VCF",
        ),
        (
            "damaged gzip",
            {"files": {"file": ("x.vcf.gz", gzip.compress(one)[:200])}},
            "file",
            "could not be read as a VCF",
        ),
        ("GRCh37 contigs", {"files": {"file": ("a.vcf", grch37)}}, "file", "GRCh37/hg19"),
        (
            "b37 reference",
            {"files": {"file": ("b.vcf", b37.encode())}},
            "file",
            "reference other than GRCh38",
        ),
        (
            "unknown sample",
            {"files": {"file": ("a.vcf", one)}, "data": {"sample": "NOPE"}},
            "sample",
            "NOPE is not a sample of this VCF",
        ),
        ("several samples", {"files": {"file": ("a.vcf", two)}}, "sample", "has 2 samples"),
        ("empty file", {"files": {"file": ("a.vcf", b"")}}, "file", "is empty"),
        ("no file", {"data": {"sample": "S1"}}, "file", "required"),
        ("text for the file", {"data": {"file": "a.vcf"}}, "file", "is not a file"),
        (
            "a control character in the sample",
            {"files": {"file": ("a.vcf", one)}, "data": {"sample": "S\x1b1"}},
            "sample",
            "",
        ),
        (
            "a long sample",
            {"files": {"file": ("a.vcf", one)}, "data": {"sample": "S" * 121}},
            "sample",
            "",
        ),
    ]


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    client: WebClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = add_patient(client.engine, "PGX-UP-3")
    client.as_role("physician")
    url = f"/api/v1/patients/{ref}/pgx/vcf"
    cases = _bad_inputs(tmp_path)
    before, audited = count(client), created(client)
    for what, request, field, words in cases:
        r = client.post(url, **request)
        assert r.status_code == 422, (what, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), what
        errors = r.json()["errors"]
        assert [e["path"] for e in errors] == [field], (what, errors)
        assert words in errors[0]["message"] or words in r.json()["detail"], (what, errors)
    # What the reader refuses says what is allowed and what was given.
    r = client.post(url, **cases[0][1])
    assert r.json()["errors"][0]["allowed"] and r.json()["errors"][0]["given"] == "hello\tworld"
    r = client.post(url, **cases[6][1])
    sample = r.json()["errors"][0]
    assert sample["allowed"] == "S1, S2" and sample["given"] == "no sample ID"

    # Too large: a file over the limit (set small here) is refused naming the file.
    monkeypatch.setattr(upload, "VCF_UPLOAD_MAX_BYTES", 1000)
    r = post_vcf(client, ref, "big.vcf", cases[5][1]["files"]["file"][1])
    assert r.status_code == 422, r.text
    (issue,) = r.json()["errors"]
    assert issue["path"] == "file" and "too large" in issue["message"]
    assert issue["allowed"] == "at most 1,000 bytes" and issue["given"].startswith("more than")
    assert count(client) == before and created(client) == audited


def test_a_body_past_the_routes_limit_is_refused_at_the_door(client: WebClient) -> None:
    ref = add_patient(client.engine, "PGX-UP-4")
    client.as_role("physician")
    r = post_vcf(client, ref, "huge.vcf", b"#" * (upload.UPLOAD_BODY_LIMIT_BYTES + 1))
    assert r.status_code == 413, r.text
    assert r.json()["errors"][0]["allowed"] == f"at most {upload.UPLOAD_BODY_LIMIT_BYTES:,} bytes"
    assert count(client) == 0


def test_roles(client: WebClient, tmp_path: Path) -> None:
    ref = add_patient(client.engine, "PGX-UP-5")
    content = make_vcf(tmp_path, {"S": PANEL}).read_bytes()
    for role in ("technician", "front_desk"):
        client.as_role(role)
        assert post_vcf(client, ref, "a.vcf", content).status_code == 403, role
        client.as_role(role, via="session")
        r = client.post(
            f"/patients/{ref}/pgx/vcf",
            data={"csrf_token": client.csrf},
            files={"file": ("a.vcf", content)},
            follow_redirects=False,
        )
        assert r.status_code == 403, role
    client.as_role("technician", via="session")
    assert "pgx-vcf-form" not in plain_page(client, f"/patients/{ref}/pgx")
    assert count(client) == 0 and created(client) == 0


def test_the_page_uploads_a_vcf(client: WebClient, tmp_path: Path) -> None:
    ref = add_patient(client.engine, "PGX-UP-6")
    client.as_role("physician", via="session")
    base = f"/patients/{ref}/pgx"
    page = plain_page(client, base)
    form = page[page.index('id="pgx-vcf-form"') - 200 :]
    assert 'enctype="multipart/form-data"' in form and 'accept=".vcf,.vcf.gz,.bgz"' in form
    assert "copy number, *5 and hybrids need an outside call" in html.unescape(
        page[page.index('id="pgx-vcf-h"') : page.index('id="pgx-new-h"')]
    )

    def send(content: bytes, sample: str = "", csrf: str | None = None) -> Any:
        return client.post(
            f"{base}/vcf",
            data={"csrf_token": client.csrf if csrf is None else csrf, "sample": sample},
            files={"file": ("panel.vcf", content)},
            follow_redirects=False,
        )

    # Not a VCF: said beside the file field, nothing written.
    page = plain_page(client, base, 422, send(b"hello\n"))
    assert "is not a VCF" in field_errors(page)["file"], field_errors(page)
    # Several samples and none named: said beside the sample field, with the samples.
    two = make_vcf(tmp_path, {"S1": {}, "S2": {"CYP2C19": ("*2", "*2")}}).read_bytes()
    page = plain_page(client, base, 422, send(two))
    assert "S1, S2" in field_errors(page)["sample"], field_errors(page)
    # An unknown sample: named beside the field, the value kept.
    page = plain_page(client, base, 422, send(two, "S9"))
    assert "S9 is not a sample of this VCF" in field_errors(page)["sample"]
    assert 'value="S9"' in page
    # No file chosen (a browser sends an empty part).
    page = plain_page(client, base, 422, send(b""))
    assert "file" in field_errors(page)
    # Without the CSRF token: refused, nothing written.
    assert send(two, "S2", csrf="").status_code == 403
    assert count(client) == 0 and created(client) == 0

    r = send(two, "S2")
    assert r.status_code == 303 and r.headers["location"] == f"{base}?msg=vcf"
    page = plain_page(client, r.headers["location"])
    assert "VCF stored" in page and "*2/*2" in page and "Poor Metabolizer" in page
    assert "VCF panel.vcf, sample S2" in page
    assert count(client) == 3 and created(client) == 1


def test_a_file_name_is_never_a_path() -> None:
    assert upload.safe_file_name("../../etc/passwd") == "passwd"
    assert upload.safe_file_name("C:\\Users\\lab\\x.vcf.gz") == "x.vcf.gz"
    assert upload.safe_file_name("..") == upload.FALLBACK_NAME
    assert upload.safe_file_name("") == upload.FALLBACK_NAME
    assert upload.safe_file_name(None) == upload.FALLBACK_NAME
    assert upload.safe_file_name("a\x00b;rm -rf.vcf") == "a_b_rm_-rf.vcf"
    long = upload.safe_file_name("x" * 300 + ".vcf.gz")
    assert len(long) == upload.FILE_NAME_MAX_CHARS and long.endswith(".vcf.gz")


def test_the_temporary_copy_is_removed_after_a_success_and_a_refusal(
    client: WebClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = add_patient(client.engine, "PGX-UP-7")
    client.as_role("physician")
    content = make_vcf(tmp_path, {"S": PANEL}).read_bytes()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert post_vcf(client, ref, "a.vcf", content).status_code == 201
    assert post_vcf(client, ref, "a.vcf", b"not a vcf").status_code == 422
    assert post_vcf(client, ref, "a.vcf", content, sample="NOPE").status_code == 422
    assert list(scratch.iterdir()) == []
