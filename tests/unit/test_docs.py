"""Documentation is part of the product: every setting, error code and API route is documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from commonwork.errors import CommonworkError, all_error_classes
from commonwork.node.node import Node
from commonwork.node.settings import SETTINGS_HELP, Settings
from commonwork.web.app import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_read_and_documented() -> None:
    fields = {field.name for field in dataclasses.fields(Settings)}
    variables = {name.removeprefix("COMMONWORK_").lower() for name in SETTINGS_HELP}
    assert variables == fields
    settings_doc = (DOCS / "settings.md").read_text()
    for name in SETTINGS_HELP:
        assert f"`{name}`" in settings_doc, f"{name} is missing from docs/settings.md"


def test_every_error_code_is_documented() -> None:
    api_doc = (DOCS / "api.md").read_text()
    codes = {cls.code for cls in all_error_classes() if cls is not CommonworkError}
    codes.discard("error")
    missing = sorted(code for code in codes if f"`{code}`" not in api_doc)
    assert not missing, f"error codes missing from docs/api.md: {missing}"


def test_every_api_route_is_documented(node: Node) -> None:
    api_doc = (DOCS / "api.md").read_text()
    spec = create_app(node).openapi()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        if path.startswith("/api/")
        for method in operations
        if f"| {method.upper()} | `{path}` |" not in api_doc
    ]
    assert not missing, f"routes missing from docs/api.md: {missing}"


def test_settings_from_env_refuses_bad_numbers() -> None:
    import pytest

    from commonwork.errors import BadInput

    with pytest.raises(BadInput, match="COMMONWORK_PORT"):
        Settings.from_env({"COMMONWORK_PORT": "eighty"})
    settings = Settings.from_env({"COMMONWORK_DATA_DIR": "/srv/cw", "COMMONWORK_PORT": "9000"})
    assert settings.port == 9000
    assert settings.database_url == "sqlite:////srv/cw/commonwork.db"
