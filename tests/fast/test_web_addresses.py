"""Settings that are web addresses (the base IRI, allowed origins, a source's data-access page, a FHIR
server's public base): an absolute http(s) URL is taken, anything else is refused with the setting named."""

from __future__ import annotations

import pytest
from hdcat.catalog import ConfigError
from hdcat.catalog.config import load_settings


def _settings(tmp_path, line: str):
    path = tmp_path / "hdcat.toml"
    path.write_text(line + "\n", "utf-8")
    return load_settings(path, env={})


@pytest.mark.parametrize(
    "address",
    ["https://hdcat.example.org", "http://localhost:8080/catalogue", "HTTPS://Data.Example.kr/a?b=c#d"],
)
def test_an_absolute_http_address_is_taken(tmp_path, address):
    assert _settings(tmp_path, f'base_iri = "{address}"').base_iri == address


@pytest.mark.parametrize(
    "address",
    [
        "hdcat.example.org",
        "ftp://files.example.org/",
        "https://",
        "https://exa mple.org",
        "javascript:alert(1)",
    ],
)
def test_anything_else_is_refused_and_the_setting_named(tmp_path, address):
    with pytest.raises(ConfigError) as refused:
        _settings(tmp_path, f'base_iri = "{address}"')
    assert "base_iri" in str(refused.value) and "http(s) URL" in str(refused.value)


def test_an_allowed_origin_is_checked_the_same_way(tmp_path):
    source = (
        '[[sources]]\nname = "a"\nhospital = "hanbit"\nkind = "dcat"\nlocation = "https://x.example/c.ttl"\n'
    )
    taken = _settings(tmp_path, source + 'allowed_origins = ["http://127.0.0.1:9000"]')
    assert list(taken.sources[0].allowed_origins) == ["http://127.0.0.1:9000"]
    with pytest.raises(ConfigError, match="allowed_origins"):
        _settings(tmp_path, source + 'allowed_origins = ["127.0.0.1:9000"]')
