"""Flask's signed-cookie session with its signing serializer built once per secret key, not on every request."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SigningOnceSessions(SecureCookieSessionInterface):
    """The same cookies, signatures and key fallbacks as Flask's; the serializer is kept per (key, fallbacks)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for the app's current secret key and fallbacks (built on their first use)."""
        if not app.secret_key:
            return None
        key = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(key)
        if found is None:
            found = super().get_signing_serializer(app)
            if found is None:
                return None
            self._serializers[key] = found
        return found
