import pytest

from os1.engine.inputs import MAX_CHARS, clean_user_text
from os1.errors import InputError


def test_clean_text_passes() -> None:
    assert clean_user_text("  hello there \n") == "hello there"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * (MAX_CHARS + 1), "limit"),
        ("a" * 1_000_000, "limit"),
        (bytes(range(256)) * 4, "UTF-8"),
        ("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f" * 10, "binary"),
        ("caf\udce9", "UTF-8"),
        (b"caf\xe9", "UTF-8"),
    ],
)
def test_bad_input_is_explained(raw: str | bytes, why: str) -> None:
    with pytest.raises(InputError, match=why):
        clean_user_text(raw)
