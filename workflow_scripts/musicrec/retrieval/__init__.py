"""Nearest-neighbour retrieval over learned embeddings (FAISS indexes)."""
