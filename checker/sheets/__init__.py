"""Sheets written by the CLI and the web: the verdict tables (verdicts), and their CSV/XLSX writer (writer, xlsx); the
fast reading of an uploaded XLSX's rows (xlsx_read)."""
