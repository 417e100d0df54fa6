"""Webhooks: POST the notice as JSON, signed with HMAC-SHA256, carrying the idempotency key."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from webapp.outbox.delivery import DeliveryError, Envelope

SIGNATURE_HEADER = "X-Closeloop-Signature"
TIMESTAMP_HEADER = "X-Closeloop-Timestamp"
KEY_HEADER = "Idempotency-Key"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """'sha256=<hex>' of HMAC-SHA256(secret, timestamp + '.' + body); receivers recompute and compare."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def body_of(envelope: Envelope) -> bytes:
    """The JSON document a receiver gets."""
    doc = {"id": envelope.key, "event": envelope.template, "recipient": envelope.recipient,
           "case_url": envelope.case_url, "attempt": envelope.attempt, "data": envelope.payload}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str).encode()


def send(envelope: Envelope, timeout: float) -> str:
    """POST; 2xx is delivered, 408/429/5xx and network errors are retried, other 4xx are permanent."""
    if not envelope.webhook_url:
        raise DeliveryError(f"no webhook configured for {envelope.recipient}", permanent=True)
    body = body_of(envelope)
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", KEY_HEADER: envelope.key,
               TIMESTAMP_HEADER: stamp, "User-Agent": "closeloop-worker"}
    if envelope.webhook_secret:
        headers[SIGNATURE_HEADER] = signature(envelope.webhook_secret, stamp, body)
    request = urllib.request.Request(envelope.webhook_url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            status = response.status
    except urllib.error.HTTPError as exc:
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 425, 429)
        raise DeliveryError(f"webhook answered HTTP {exc.code}", permanent=permanent) from exc
    except (OSError, urllib.error.URLError) as exc:
        raise DeliveryError(f"webhook {envelope.webhook_url}: {type(exc).__name__}: {exc}") from exc
    return f"webhook {envelope.recipient} HTTP {status}"
