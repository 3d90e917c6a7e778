from pathlib import Path

import pytest

from os1.config import load_config, set_value
from os1.errors import ConfigError


def test_defaults_and_roundtrip(os1_home: Path) -> None:
    cfg = load_config()
    assert cfg.brain.backend == "embedded"
    assert cfg.home == os1_home
    set_value(os1_home, "brain.backend", "openai")
    set_value(os1_home, "brain.base_url", "http://127.0.0.1:9/v1")
    set_value(os1_home, "brain.max_tokens", "64")
    cfg = load_config()
    assert (cfg.brain.backend, cfg.brain.base_url, cfg.brain.max_tokens) == (
        "openai",
        "http://127.0.0.1:9/v1",
        64,
    )


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("brain.nope", "1", "brain.nope"),
        ("nosection.x", "1", "nosection.x"),
        ("brain.backend", "gpt9", "brain.backend"),
        ("brain.max_tokens", "-5", "brain.max_tokens"),
    ],
)
def test_bad_key_or_value_is_named(os1_home: Path, key: str, value: str, named: str) -> None:
    with pytest.raises(ConfigError) as err:
        set_value(os1_home, key, value)
    assert named in err.value.message
    assert not (os1_home / "config.toml").exists()


def test_env_override_wins(os1_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_value(os1_home, "brain.backend", "openai")
    monkeypatch.setenv("OS1_BRAIN_BACKEND", "embedded")
    assert load_config().brain.backend == "embedded"
    monkeypatch.setenv("OS1_BRAIN_N_CTX", "7")
    with pytest.raises(ConfigError, match="n_ctx"):
        load_config()


def test_database_url_alias(os1_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_config().server.database_url == ""
    monkeypatch.setenv("OS1_DATABASE_URL", "postgresql://os1@127.0.0.1:5433/os1")
    assert load_config().server.database_url == "postgresql://os1@127.0.0.1:5433/os1"


def test_corrupt_file_is_named(os1_home: Path) -> None:
    os1_home.mkdir(parents=True)
    (os1_home / "config.toml").write_text("[brain\nbackend=", encoding="utf-8")
    with pytest.raises(ConfigError, match="config.toml"):
        load_config()
    (os1_home / "config.toml").write_text("[brain]\ncolour = 'red'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Unknown setting 'brain.colour'"):
        load_config()
