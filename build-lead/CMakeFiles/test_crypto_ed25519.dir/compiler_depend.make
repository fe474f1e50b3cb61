# Empty compiler generated dependencies file for test_crypto_ed25519.
# This may be replaced when dependencies are built.
