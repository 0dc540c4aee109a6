"""Logging of the web server without secrets or patient data.

URLs carry no patient data by design (patients are opaque refs), but a self-report link
carries its secret token in the path; the access log shows it redacted.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_TOKEN_PATHS = re.compile(r"(/r/|/api/v1/self-report/)[^/?\s]+")


def redact(path: str) -> str:
    """``/r/<token>`` -> ``/r/[redacted]`` (also the self-report API)."""
    return _TOKEN_PATHS.sub(r"\1[redacted]", path)


class RedactTokens(logging.Filter):
    """Filter for ``uvicorn.access``: its record args are (client, method, path, http, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's default logging configuration plus the redaction filter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "trdcare.adapters.web.logs.RedactTokens"}},
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                "use_colors": None,
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["redact"],
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["access"], "level": level.upper(), "propagate": False},
            "trdcare": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }
