"""Pure metric functions. Each docstring states the definition; tests check hand-computed cases."""
