"""The test suite's view of the shared Synapse launcher (bench/synapse.py, also used by bench.matrix_tally)."""

from bench.synapse import Account, Homeserver, free_port

__all__ = ["Account", "Homeserver", "free_port"]
