"""cnnlib."""
