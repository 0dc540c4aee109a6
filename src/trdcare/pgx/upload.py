"""A VCF uploaded on the PGx page or to the API, stored through the service like ``pgx import``.

The web adapters (:mod:`trdcare.pgx.endpoints`, :mod:`trdcare.pgx.pages`) share this:

* **Size.** A lab's targeted PGx-panel VCF (a few hundred positions; plain or bgzipped) is a
  few kilobytes to a few megabytes; even a single-sample exome VCF, bgzipped, is tens of
  megabytes. :data:`VCF_UPLOAD_MAX_BYTES` (50 MB) takes those with room to spare and keeps a
  whole-genome VCF (a gigabyte or more) off the web worker: that one is imported on the
  server with ``trdcare pgx import``. A file over the limit is refused with 422 naming
  ``file``; a request body over the limit plus :data:`FORM_ALLOWANCE_BYTES` (the multipart
  boundaries and headers, the sample ID, the CSRF token) is refused at the door with 413
  (:mod:`trdcare.adapters.web.body_guard`) before it is read. It is a constant, as the door's
  1 MB default is: a route declares its limit when the app is built.
* **A temporary file.** The VCF reader takes a path; the upload is copied into a new private
  folder (``tempfile.TemporaryDirectory``: mode 0700) under its own name, sanitised
  (:func:`safe_file_name`: never a path), so the stored result and every message name the
  file as the user chose it. The folder is removed when the request is done, also on error.
* **The form.** :class:`VcfUploadIn` parses the multipart form (API and page alike). It lives
  here, not in :mod:`trdcare.pgx.schemas`, because its file field is FastAPI's ``UploadFile``
  and the CLI, which reads the schemas, must not import the web framework (start-up time,
  ``bench/cli_startup.py``).
* **Problems named by field.** The reader's issues (``genome build``, ``genotype``) are about
  the uploaded file, so they are named ``file``; a multi-sample VCF without a sample ID is
  named ``sample``, with the samples the file holds.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import UploadFile
from pydantic import BeforeValidator, Field, StringConstraints
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from trdcare.adapters.db.models import Patient, PgxResult
from trdcare.adapters.web.corrections import Blank
from trdcare.core.actor import Actor
from trdcare.core.errors import InvalidInput, Issue
from trdcare.core.inputs import InputModel
from trdcare.core.text import SingleLineText
from trdcare.pgx import service as pgx_service
from trdcare.pgx.calling import SeveralSamples

VCF_UPLOAD_MAX_BYTES = 50_000_000
# The rest of a multipart form: boundaries, part headers, the sample ID (120 characters at
# most) and the CSRF token are well under a kilobyte; 64 KiB leaves room for long headers.
FORM_ALLOWANCE_BYTES = 65_536
UPLOAD_BODY_LIMIT_BYTES = VCF_UPLOAD_MAX_BYTES + FORM_ALLOWANCE_BYTES
ACCEPTED = "a VCF file on GRCh38, plain (.vcf) or bgzipped (.vcf.gz, .bgz)"
FILE_NAME_MAX_CHARS = 120
FALLBACK_NAME = "upload.vcf"
SAMPLE_MAX_CHARS = 120  # the stored column's width (pgx_results.sample)
_UNSAFE = re.compile(r"[^\w.+()-]+")
_CHUNK = 1 << 20


def _a_file(value: object) -> object:
    """The ``file`` field must be a file part: a text value (a form sent without its file)
    is refused in plain words, not the framework's."""
    if isinstance(value, StarletteUpload):  # what the form parser gives; FastAPI's subclasses it
        return value
    raise ValueError(f"is not a file: choose the VCF to upload (allowed: {ACCEPTED})")


SampleId = Annotated[SingleLineText, StringConstraints(min_length=1, max_length=SAMPLE_MAX_CHARS)]


class VcfUploadIn(InputModel):
    """A patient's VCF (a multipart form): the file and, for a multi-sample VCF, the sample."""

    file: Annotated[UploadFile, BeforeValidator(_a_file)] = Field(
        title="VCF file",
        description=(
            "GRCh38, plain or bgzipped (.vcf, .vcf.gz, .bgz); "
            f"at most {VCF_UPLOAD_MAX_BYTES // 1_000_000} MB"
        ),
    )
    # A page form's empty field is "not given".
    sample: Annotated[SampleId | None, Blank] = Field(
        default=None,
        title="Sample ID",
        description="The patient's sample column; required when the VCF has several samples",
    )


def safe_file_name(name: str | None) -> str:
    """The last component of a browser's file name with only letters, digits and ``._+()-``
    (others become ``_``), no leading dot, at most :data:`FILE_NAME_MAX_CHARS` characters
    (the extension kept); :data:`FALLBACK_NAME` when nothing is left.

    >>> safe_file_name("C:\\\\Users\\\\lab\\\\../../etc/passwd")
    'passwd'
    >>> safe_file_name("PGx panel (2025).vcf.gz")
    'PGx_panel_(2025).vcf.gz'
    >>> safe_file_name("..")
    'upload.vcf'
    """
    base = re.split(r"[/\\]", name or "")[-1]
    cleaned = _UNSAFE.sub("_", base).lstrip("._")
    if not cleaned:
        return FALLBACK_NAME
    if len(cleaned) > FILE_NAME_MAX_CHARS:
        stem, dot, suffix = cleaned.partition(".")
        suffix = (dot + suffix)[-20:]
        cleaned = stem[: FILE_NAME_MAX_CHARS - len(suffix)] + suffix
    return cleaned


def _refused(message: str, given: str) -> InvalidInput:
    return InvalidInput(
        f"file: {message}", issues=[Issue("file", message, allowed=ACCEPTED, given=given)]
    )


@contextmanager
def saved_upload(
    stream: BinaryIO, file_name: str | None, *, limit: int | None = None
) -> Iterator[Path]:
    """The uploaded ``stream`` as a file in a private temporary folder, removed afterwards
    (``limit``: :data:`VCF_UPLOAD_MAX_BYTES` unless given).

    Raises
    ------
    InvalidInput
        ``file``: empty, or larger than ``limit`` bytes (nothing is kept).
    """
    limit = VCF_UPLOAD_MAX_BYTES if limit is None else limit
    with tempfile.TemporaryDirectory(prefix="trdcare-vcf-") as folder:
        path = Path(folder) / safe_file_name(file_name)
        written = 0
        with path.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise InvalidInput(
                        "file: is too large",
                        issues=[
                            Issue(
                                "file",
                                "is too large for an upload (a larger VCF is imported on the "
                                "server with trdcare pgx import)",
                                allowed=f"at most {limit:,} bytes",
                                given=f"more than {limit:,} bytes",
                            )
                        ],
                    )
                out.write(chunk)
        if written == 0:
            raise _refused("is empty: no file was chosen, or the file has no content", "0 bytes")
        yield path


def upload_error(exc: InvalidInput) -> InvalidInput:
    """The reader's refusal named by the upload's fields: ``file`` or ``sample``."""
    if isinstance(exc, SeveralSamples):
        shown = ", ".join(exc.samples[:10]) + (" ..." if len(exc.samples) > 10 else "")
        issue = Issue(
            "sample",
            f"the VCF has {len(exc.samples)} samples: enter the ID of this patient's sample",
            allowed=shown,
            given="no sample ID",
        )
        return InvalidInput(issue.render(), issues=[issue])
    issues = [
        i
        if i.path in ("file", "sample")
        else replace(i, path="file", message=f"{i.path}: {i.message}")
        for i in exc.issues
    ] or [Issue("file", exc.message, allowed=ACCEPTED)]
    return InvalidInput(issues[0].render(), issues=issues)


def import_upload(
    session: Session, actor: Actor, patient: Patient, form: VcfUploadIn
) -> list[PgxResult]:
    """Store the uploaded VCF's results through :func:`trdcare.pgx.service.import_vcf` (its
    SHA-256, the sanitised file name, the sample); every refusal names ``file`` or
    ``sample`` and nothing is written."""
    with saved_upload(form.file.file, form.file.filename) as path:
        try:
            return pgx_service.import_vcf(session, actor, patient, path, sample=form.sample)
        except InvalidInput as exc:
            raise upload_error(exc) from exc
