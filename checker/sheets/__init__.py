"""Sheets written by the CLI and the web: the verdict tables (verdicts), and their CSV/XLSX writer (writer, xlsx)."""
