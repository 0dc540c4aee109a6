"""The exchange room's pure rules: which parts of the record an export may carry."""

from trdcare.exchange.domain.parts import PARTS, READ_PERMISSION, parse_include

__all__ = ["PARTS", "READ_PERMISSION", "parse_include"]
