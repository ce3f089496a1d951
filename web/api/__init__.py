"""The JSON API, ``/api/v1``: every command and query of the application."""

from __future__ import annotations

from fastapi import APIRouter

from web.api import accounts, people, reads, steps

router = APIRouter(prefix="/api/v1")
router.include_router(accounts.router)
router.include_router(steps.router)
router.include_router(reads.router)
router.include_router(people.router)
