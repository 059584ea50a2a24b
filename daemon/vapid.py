"""VAPID keys: generated for `support init` / `support push keygen`, parsed once for sending."""

from __future__ import annotations

import base64


def generate_keys() -> tuple[str, str]:
    """A new P-256 key pair: (private key PEM, public key as browsers want it)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return pem, base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
