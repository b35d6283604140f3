"""Self-contained HTML reports: escaped text, tables and matplotlib figures embedded as base64 PNG."""
