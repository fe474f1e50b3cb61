# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build-lead
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(unit/test_base64 "/work/main/build-lead/test_base64")
set_tests_properties(unit/test_base64 PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_buf "/work/main/build-lead/test_buf")
set_tests_properties(unit/test_buf PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_crypto_aesgcm "/work/main/build-lead/test_crypto_aesgcm")
set_tests_properties(unit/test_crypto_aesgcm PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_crypto_basics "/work/main/build-lead/test_crypto_basics")
set_tests_properties(unit/test_crypto_basics PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_crypto_chachapoly "/work/main/build-lead/test_crypto_chachapoly")
set_tests_properties(unit/test_crypto_chachapoly PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_crypto_ed25519 "/work/main/build-lead/test_crypto_ed25519")
set_tests_properties(unit/test_crypto_ed25519 PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_crypto_hash "/work/main/build-lead/test_crypto_hash")
set_tests_properties(unit/test_crypto_hash PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_crypto_x25519 "/work/main/build-lead/test_crypto_x25519")
set_tests_properties(unit/test_crypto_x25519 PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_error "/work/main/build-lead/test_error")
set_tests_properties(unit/test_error PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_keyfile "/work/main/build-lead/test_keyfile")
set_tests_properties(unit/test_keyfile PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(unit/test_keys "/work/main/build-lead/test_keys")
set_tests_properties(unit/test_keys PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(engine/test_engine_hostile "/work/main/build-lead/test_engine_hostile")
set_tests_properties(engine/test_engine_hostile PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
add_test(engine/test_engine_session "/work/main/build-lead/test_engine_session")
set_tests_properties(engine/test_engine_session PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;54;add_test;/work/main/CMakeLists.txt;0;")
