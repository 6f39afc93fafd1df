"""ZHIBIAO_UI_AUTH: a malformed value fails at start, and passwords may hold any character."""

import pytest

from assistant.errors import ConfigError
from assistant.settings import parse_ui_auth


def test_passwords_keep_commas_and_colons():
    assert parse_ui_auth("admin:pa,ss") == [("admin", "pa,ss")]
    assert parse_ui_auth("admin:p:w,0rd") == [("admin", "p:w,0rd")]
    assert parse_ui_auth("admin:a,b,bob:c") == [("admin", "a,b"), ("bob", "c")]
    assert parse_ui_auth("") is None


@pytest.mark.parametrize("raw", ["admin", "admin:", ":secret", "admin:ok,bob:"])
def test_malformed_auth_is_refused_not_ignored(raw):
    with pytest.raises(ConfigError, match="ZHIBIAO_UI_AUTH"):
        parse_ui_auth(raw)
