"""Signed customer tokens, and what the chat channels believe about identity."""

from __future__ import annotations

import pytest

from assistant.identity import InvalidToken, mint_customer_token, verify_customer_token
from connectors.channels import MAX_MESSAGE_CHARS, bind_identity, clean_text

SECRET = "s3cret-for-tests-0123456789abcdef-xyz"


def test_token_round_trip():
    token = mint_customer_token("C00001", SECRET, ttl_seconds=60, now=1_000)
    assert verify_customer_token(token, SECRET, now=1_030) == "C00001"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: ".".join(  # another customer's claims under this signature
            [t.split(".")[0], mint_customer_token("C00002", SECRET, now=1_000).split(".")[1], t.split(".")[2]]
        ),
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # forged signature
        lambda t: "garbage",
        lambda t: "",
    ],
)
def test_forged_or_malformed_tokens_are_refused(tamper):
    token = mint_customer_token("C00001", SECRET, now=1_000)
    with pytest.raises(InvalidToken):
        verify_customer_token(tamper(token), SECRET, now=1_000)


def test_expired_token_is_refused():
    token = mint_customer_token("C00001", SECRET, ttl_seconds=60, now=1_000)
    with pytest.raises(InvalidToken, match="expired"):
        verify_customer_token(token, SECRET, now=1_061)


def test_token_signed_with_another_secret_is_refused():
    token = mint_customer_token("C00001", "other-secret-0123456789abcdef-0123")
    with pytest.raises(InvalidToken):
        verify_customer_token(token, SECRET)


def test_demo_mode_takes_the_customer_id_from_metadata_and_keeps_only_what_the_product_reads():
    sent = {"customer_id": "C00001", "page": "x" * 100_000, "message_id": "m-1"}
    assert bind_identity(sent, secret="") == {"customer_id": "C00001", "message_id": "m-1"}


def test_demo_mode_ignores_an_odd_customer_id():
    assert "customer_id" not in bind_identity({"customer_id": "C1; DROP TABLE"}, secret="")


def test_with_a_secret_a_bare_customer_id_is_ignored():
    assert "customer_id" not in bind_identity({"customer_id": "C00001"}, secret=SECRET)


def test_with_a_secret_a_valid_token_binds_the_customer():
    token = mint_customer_token("C00002", SECRET)
    bound = bind_identity({"token": token, "customer_id": "C00001"}, secret=SECRET)
    assert bound == {"customer_id": "C00002"}


def test_with_a_secret_a_bad_token_binds_nobody():
    bound = bind_identity({"token": "C00001.99999999999.deadbeef"}, secret=SECRET)
    assert "customer_id" not in bound and bound["identity_error"] == "malformed token"
    forged = mint_customer_token("C00001", "not-the-secret-0123456789abcdef-xyz")
    assert bind_identity({"token": forged}, secret=SECRET)["identity_error"] == "bad signature"


def test_each_kind_of_token_is_refused_as_the_other():
    from assistant.identity import mint_survey_token, verify_survey_token

    customer = mint_customer_token("C00001", SECRET)
    survey = mint_survey_token("conv-1", "C00001", SECRET)  # even signed with the same key
    with pytest.raises(InvalidToken, match="meant for something else"):
        verify_survey_token(customer, SECRET)
    with pytest.raises(InvalidToken, match="meant for something else"):
        verify_customer_token(survey, SECRET)


def test_tokens_without_expiry_or_with_another_algorithm_are_refused():
    import jwt

    claims = {"sub": "C00001", "aud": "customer-chat", "iss": "northwind-assistant", "iat": 1}
    with pytest.raises(InvalidToken):
        verify_customer_token(jwt.encode(claims, SECRET, algorithm="HS256"), SECRET)  # no exp
    unsigned = jwt.encode({**claims, "exp": 2**40}, None, algorithm="none")
    with pytest.raises(InvalidToken):
        verify_customer_token(unsigned, SECRET)


def test_messages_are_trimmed_and_capped():
    assert clean_text("  hi\x00 there \n") == "hi  there"
    assert len(clean_text("x" * 10_000)) == MAX_MESSAGE_CHARS
    assert clean_text(None) == ""


def test_conversations_are_keyed_by_their_verified_customer_when_a_secret_is_set():
    from connectors.channels import conversation_key

    assert conversation_key("abc", {"customer_id": "C00001"}, secret="") == "abc"
    assert conversation_key("abc", {"customer_id": "C00001"}, secret=SECRET) == "C00001:abc"
    assert conversation_key("abc", {}, secret=SECRET) == "anonymous:abc"
    assert conversation_key("C00001:abc", {"customer_id": "C00001"}, secret=SECRET) == "C00001:abc"
    assert conversation_key("C00001:abc", {}, secret=SECRET) == "anonymous:C00001:abc"


def test_non_ascii_tokens_are_refused_not_crashed_on():
    from assistant.identity import mint_survey_token, verify_survey_token

    with pytest.raises(InvalidToken):
        verify_customer_token("C00001.99999999999.é", SECRET)
    with pytest.raises(InvalidToken):
        verify_survey_token(mint_survey_token("c", None, SECRET)[:-1] + "é", SECRET)
