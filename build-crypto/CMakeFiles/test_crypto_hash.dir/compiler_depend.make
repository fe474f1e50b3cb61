# Empty compiler generated dependencies file for test_crypto_hash.
# This may be replaced when dependencies are built.
