"""The keys that sign actions, and the local identities a node keeps for its command line.

A door names a key by ``Keypair`` and a kept identity by ``Identity``; ``node.identities``
creates, loads and lists them, and ``import_identity`` keeps an exported secret key.
"""

from __future__ import annotations

from commonwork.journal.actions import Signer
from commonwork.journal.keys import Keypair
from commonwork.node.keystore import Identity
from commonwork.node.node import Node

__all__ = ["Identity", "Keypair", "Signer", "import_identity"]


def import_identity(node: Node, name: str, secret: str) -> Identity:
    """Keep an exported secret key (base64url, as ``commonwork id export`` or a web account
    prints it) as the local identity ``name``; BadInput when it is not a secret key."""
    return node.identities.create(name, Keypair.from_secret(secret))
