"""Tokens for links: random, URL-safe, stored only as their SHA-256, recognised again by their digest."""
import hashlib
import re

from core.tokens import digest_of, matches, new_token


def test_new_token_is_random_url_safe_and_stored_as_its_sha256():
    pairs = [new_token() for _ in range(50)]
    assert len({token for token, _digest in pairs}) == 50
    for token, digest in pairs:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 bits, nothing a URL must escape
        assert digest == hashlib.sha256(token.encode()).hexdigest() == digest_of(token)
        assert token not in digest


def test_digest_of_a_missing_token_never_matches_a_stored_one():
    token, digest = new_token()
    assert digest_of(None) == digest_of("") != digest
    assert not matches(None, digest) and not matches("", digest)


def test_matches_only_the_token_it_was_made_from():
    token, digest = new_token()
    other, _ = new_token()
    assert matches(token, digest)
    assert not matches(other, digest) and not matches(token[:-1], digest)
    assert not matches(token, None) and not matches(token, "")
