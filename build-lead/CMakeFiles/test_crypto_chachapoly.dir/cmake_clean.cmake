file(REMOVE_RECURSE
  "CMakeFiles/test_crypto_chachapoly.dir/tests/unit/test_crypto_chachapoly.c.o"
  "CMakeFiles/test_crypto_chachapoly.dir/tests/unit/test_crypto_chachapoly.c.o.d"
  "test_crypto_chachapoly"
  "test_crypto_chachapoly.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_crypto_chachapoly.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
