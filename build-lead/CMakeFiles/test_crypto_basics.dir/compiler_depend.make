# Empty compiler generated dependencies file for test_crypto_basics.
# This may be replaced when dependencies are built.
