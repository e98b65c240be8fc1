"""Pure configuration rules: defaults, presets, validation, rendering, read cache (no I/O)."""
