"""Signed checkpoints of the log: a position, the chain's link there and a time, signed
with the workspace's Ed25519 key; kept in the store and, as a small JSON file, anywhere
apart from it (docs/audit.md)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

FORMAT = "kaflow-checkpoint:v1"


def message(position: int, link_hex: str, at: str) -> bytes:
    """What a checkpoint's signature signs."""
    return f"{FORMAT}\n{position}\n{link_hex}\n{at}\n".encode()


@dataclass(frozen=True)
class Checkpoint:
    position: int
    hash: str  # the chain's link at position, hex
    at: str  # ISO 8601
    public_key: str  # base64 of the raw Ed25519 public key
    signature: str  # base64

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "position": self.position,
            "hash": self.hash,
            "at": self.at,
            "public_key": self.public_key,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checkpoint:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a kaflow checkpoint (format {data.get('format')!r})")
        return cls(
            int(data["position"]),
            str(data["hash"]),
            str(data["at"]),
            str(data["public_key"]),
            str(data["signature"]),
        )

    def signed_by(self) -> bool:
        """Whether the signature is the named public key's over what it says."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(self.public_key))
            key.verify(base64.b64decode(self.signature), message(self.position, self.hash, self.at))
        except (InvalidSignature, ValueError):
            return False
        return True


def sign(private_pem: bytes, position: int, link: bytes, at: datetime) -> Checkpoint:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key is not an Ed25519 key")
    stamp = at.isoformat()
    signature = key.sign(message(position, link.hex(), stamp))
    return Checkpoint(
        position,
        link.hex(),
        stamp,
        public_key_of(private_pem),
        base64.b64encode(signature).decode(),
    )


def new_key() -> bytes:
    """A new Ed25519 private key, as PEM (PKCS #8, unencrypted: the file's mode guards it)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_of(private_pem: bytes) -> str:
    from cryptography.hazmat.primitives import serialization

    key: Any = serialization.load_pem_private_key(private_pem, password=None)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def read_checkpoint(text: str) -> Checkpoint:
    return Checkpoint.from_dict(json.loads(text))
