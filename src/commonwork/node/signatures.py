"""Verifying the author signatures of a batch while the pipeline does the rest of the work.

PyNaCl holds the interpreter lock while it verifies, so threads cannot spread the work over the
machine's cores. For batches of at least ``MIN_PARALLEL`` actions the node hands the signatures to
a small pool of worker processes and goes on checking rules and projecting in its transaction; it
commits only after every signature has verified. Smaller batches are verified in place.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import nacl.exceptions
import nacl.signing

from commonwork.errors import BadSignature
from commonwork.journal import keys
from commonwork.journal.actions import SignedAction

MIN_PARALLEL = 64
Item = tuple[bytes, bytes, bytes]  # public key, signed message, signature
Part = tuple[list[int], list[Item], "Future[int | None]"]  # batch indices, items, first bad item
log = logging.getLogger("commonwork.signatures")


def first_bad_signature(items: Sequence[Item]) -> int | None:
    """The index of the first item whose signature does not verify (runs in a worker)."""
    for index, (public_key, message, signature) in enumerate(items):
        try:
            nacl.signing.VerifyKey(public_key).verify(message, signature)
        except nacl.exceptions.BadSignatureError:
            return index
    return None


def _item(signed: SignedAction) -> Item:
    signature = signed.signature or keys.b64url_decode(
        signed.author_sig, length=64, what="'author_sig'"
    )
    return keys.public_key_from_did(signed.author), signed.signed_message(), signature


class PendingCheck:
    """Signatures being verified; ``raise_first_bad`` waits and raises for the first bad one."""

    def __init__(self, parts: list[Part], total: int) -> None:
        self.parts = parts
        self.total = total

    def first_bad(self) -> int | None:
        for indices, items, future in self.parts:
            try:
                bad = future.result()
            except (BrokenProcessPool, OSError) as exc:
                log.warning("signature workers failed (%s); verifying in this process", exc)
                bad = first_bad_signature(items)
            if bad is not None:
                return indices[bad]
        return None

    def raise_first_bad(self, before: int | None = None) -> None:
        """Raise BadSignature for the first bad signature (only one before ``before``, if given)."""
        bad = self.first_bad()
        if bad is not None and (before is None or bad < before):
            error = BadSignature("'author_sig' does not verify against the action's author")
            if self.total > 1:
                error.extra["index"] = bad
                error.detail = f"action {bad} of the batch: {error.detail}"
            raise error


class SignatureChecker:
    """Verifies batches of author signatures, in worker processes when a batch is large."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def start(self, batch: Sequence[SignedAction]) -> PendingCheck:
        todo = [index for index, signed in enumerate(batch) if not signed.verified]
        items = [_item(batch[index]) for index in todo]
        if self.workers >= 1 and len(todo) >= MIN_PARALLEL:
            try:
                return PendingCheck(self._submit(todo, items), len(batch))
            except (BrokenProcessPool, OSError) as exc:
                log.warning("signature workers unusable (%s); verifying in this process", exc)
                self.close()
                self.workers = 0
        done: Future[int | None] = Future()
        done.set_result(first_bad_signature(items))
        return PendingCheck([(todo, items, done)], len(batch))

    def _submit(self, todo: list[int], items: list[Item]) -> list[Part]:
        pool = self._ensure_pool()
        size = -(-len(todo) // (self.workers * 2))
        parts: list[Part] = []
        for start in range(0, len(todo), size):
            chunk = items[start : start + size]
            future = pool.submit(first_bad_signature, chunk)
            parts.append((todo[start : start + size], chunk, future))
        return parts

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
