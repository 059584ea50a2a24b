"""VAPID keys: from the config, or generated once into the data directory (zero config)."""

from __future__ import annotations

import base64
import os

from store.config import Config


def generate_keys() -> tuple[str, str]:
    """A new P-256 key pair: (private key PEM, public key as browsers want it)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, public_key_of(pem)


def public_key_of(pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def private_key_pem(config: Config) -> str:
    """The configured key, else one generated once into data_dir/vapid.pem (mode 0600)."""
    configured = config.text("push", "vapid_private_key")
    if configured:
        return configured
    path = config.data_dir / "vapid.pem"
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        pass
    config.data_dir.mkdir(parents=True, exist_ok=True)
    pem, _ = generate_keys()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use theirs
        return path.read_text(encoding="ascii")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(pem)
    return pem
