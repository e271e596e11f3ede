"""The audit log: an append-only Merkle log over every stored event, signed checkpoints."""
