file(REMOVE_RECURSE
  "CMakeFiles/test_crypto_x25519.dir/tests/unit/test_crypto_x25519.c.o"
  "CMakeFiles/test_crypto_x25519.dir/tests/unit/test_crypto_x25519.c.o.d"
  "test_crypto_x25519"
  "test_crypto_x25519.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_crypto_x25519.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
