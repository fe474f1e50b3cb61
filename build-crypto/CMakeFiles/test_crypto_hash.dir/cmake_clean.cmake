file(REMOVE_RECURSE
  "CMakeFiles/test_crypto_hash.dir/tests/unit/test_crypto_hash.c.o"
  "CMakeFiles/test_crypto_hash.dir/tests/unit/test_crypto_hash.c.o.d"
  "test_crypto_hash"
  "test_crypto_hash.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_crypto_hash.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
