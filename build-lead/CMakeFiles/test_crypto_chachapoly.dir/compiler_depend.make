# Empty compiler generated dependencies file for test_crypto_chachapoly.
# This may be replaced when dependencies are built.
