# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build-keys
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(unit/test_crypto_hash "/work/main/build-keys/test_crypto_hash")
set_tests_properties(unit/test_crypto_hash PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;53;add_test;/work/main/CMakeLists.txt;0;")
