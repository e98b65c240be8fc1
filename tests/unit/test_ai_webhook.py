"""Webhook signing and de-duplication, and how model API errors are classified (no I/O)."""

from __future__ import annotations

import time

import httpx2
import openai
import pytest
from openai import InvalidWebhookSignatureError, OpenAI

from ai_tools_service.openai_loop import describe_api_error
from gateway.routes.openai_webhook import RecentIds
from tests.support.fake_openai import new_secret, sign, webhook_body

CLIENT = OpenAI(api_key="unused", max_retries=0)


def test_the_tests_signatures_are_what_the_openai_sdk_verifies() -> None:
    secret = new_secret()
    body = webhook_body("resp_123")
    event = CLIENT.webhooks.unwrap(body, sign(secret, body), secret=secret)
    assert event.type == "response.completed"
    assert event.data.id == "resp_123"


@pytest.mark.parametrize(
    "case", ["other secret", "changed body", "an hour old", "no signature header"]
)
def test_the_sdk_rejects_what_the_gateway_must_answer_400(case: str) -> None:
    secret = new_secret()
    body = webhook_body("resp_123")
    headers = sign(secret, body)
    if case == "other secret":
        headers = sign(new_secret(), body)
    elif case == "changed body":
        body = body.replace("resp_123", "resp_999")
    elif case == "an hour old":
        headers = sign(secret, body, timestamp=int(time.time()) - 3600)
    else:
        del headers["webhook-signature"]
    with pytest.raises((InvalidWebhookSignatureError, ValueError)):
        CLIENT.webhooks.unwrap(body, headers, secret=secret)


def test_recent_webhook_ids_are_remembered_for_their_ttl_and_bounded() -> None:
    recent = RecentIds(ttl=60, max_size=2)
    recent.remember("a", now=0)
    assert recent.seen("a", now=30)
    assert not recent.seen("a", now=61)
    recent.remember("b", now=100)
    recent.remember("c", now=101)
    recent.remember("d", now=102)
    assert not recent.seen("b", now=103)  # the oldest goes first past max_size
    assert recent.seen("d", now=103)


def _status_error(cls: type[openai.APIStatusError], status: int) -> openai.APIStatusError:
    request = httpx2.Request("POST", "http://fake/v1/responses")
    response = httpx2.Response(status, request=request)
    return cls("boom", response=response, body=None)


def test_model_errors_that_may_pass_later_are_retryable_and_others_are_not() -> None:
    assert describe_api_error(_status_error(openai.RateLimitError, 429)).retryable
    assert describe_api_error(_status_error(openai.InternalServerError, 503)).retryable
    assert not describe_api_error(_status_error(openai.BadRequestError, 400)).retryable
    assert not describe_api_error(_status_error(openai.AuthenticationError, 401)).retryable
    request = httpx2.Request("POST", "http://fake/v1/responses")
    timeout = describe_api_error(openai.APITimeoutError(request=request))
    assert timeout.retryable and timeout.timed_out
