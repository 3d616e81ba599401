"""Exports: tickets and monthly per-department figures as CSV and XLSX (supervisor, admin)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")
