"""An SPDX licence expression, as the charter and the artifacts of a commons carry it."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints


@lru_cache(maxsize=1)
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


#: SPDX 2.3 annex D: a licence not on the list, named by the document that uses it.
_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]{1,100}")


#: The longest licence expression kept, in its normal form (what the tables hold).
MAX_LICENCE = 500


def normalise_licence(expression: str) -> str:
    """The SPDX expression in normal form; ValueError naming what is wrong."""
    normal = _normal(expression)
    if len(normal) > MAX_LICENCE:
        raise ValueError(
            f"the licence expression is {len(normal)} characters in its normal form; at most "
            f"{MAX_LICENCE}"
        )
    return normal


def _normal(expression: str) -> str:
    if not expression.strip():
        raise ValueError("a licence is required, as an SPDX expression such as CC-BY-SA-4.0")
    try:
        info = _licensing().validate(expression, strict=False)
    except Exception as exc:  # the library raises several unrelated types for bad syntax
        raise ValueError(f"{expression!r} is not a valid SPDX expression: {exc}") from exc
    if info.errors:
        try:
            unknown = _licensing().unknown_license_keys(expression)
        except Exception as exc:  # the same: a syntax the validator only reported
            raise ValueError(
                f"{expression!r} is not a valid SPDX expression: {'; '.join(info.errors)}"
            ) from exc
        if unknown and all(_REF.fullmatch(key) for key in unknown):
            # A licence of one's own (SPDX "LicenseRef-<idstring>"): the parser leaves it as
            # written; the expression is normalised around it.
            return str(_licensing().parse(expression, validate=False, strict=False))
        raise ValueError(
            f"{expression!r} is not a valid SPDX licence expression: {'; '.join(info.errors)}. "
            "Use identifiers from https://spdx.org/licenses/ (or PPL for the Peer Production "
            "License, or LicenseRef-<name> for a licence of your own), joined with AND, OR and WITH"
        )
    return str(info.normalized_expression)


Licence = Annotated[str, StringConstraints(max_length=500), AfterValidator(normalise_licence)]
