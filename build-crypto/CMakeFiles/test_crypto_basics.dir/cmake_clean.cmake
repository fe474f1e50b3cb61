file(REMOVE_RECURSE
  "CMakeFiles/test_crypto_basics.dir/tests/unit/test_crypto_basics.c.o"
  "CMakeFiles/test_crypto_basics.dir/tests/unit/test_crypto_basics.c.o.d"
  "test_crypto_basics"
  "test_crypto_basics.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_crypto_basics.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
