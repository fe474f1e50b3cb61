
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/lib/algos.c" "CMakeFiles/burrow.dir/src/lib/algos.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/algos.c.o.d"
  "/work/main/src/lib/authorized_keys.c" "CMakeFiles/burrow.dir/src/lib/authorized_keys.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/authorized_keys.c.o.d"
  "/work/main/src/lib/base64.c" "CMakeFiles/burrow.dir/src/lib/base64.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/base64.c.o.d"
  "/work/main/src/lib/buf.c" "CMakeFiles/burrow.dir/src/lib/buf.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/buf.c.o.d"
  "/work/main/src/lib/conn.c" "CMakeFiles/burrow.dir/src/lib/conn.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/conn.c.o.d"
  "/work/main/src/lib/crypto/aesgcm.c" "CMakeFiles/burrow.dir/src/lib/crypto/aesgcm.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/crypto/aesgcm.c.o.d"
  "/work/main/src/lib/crypto/chachapoly.c" "CMakeFiles/burrow.dir/src/lib/crypto/chachapoly.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/crypto/chachapoly.c.o.d"
  "/work/main/src/lib/crypto/ct.c" "CMakeFiles/burrow.dir/src/lib/crypto/ct.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/crypto/ct.c.o.d"
  "/work/main/src/lib/crypto/ed25519.c" "CMakeFiles/burrow.dir/src/lib/crypto/ed25519.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/crypto/ed25519.c.o.d"
  "/work/main/src/lib/crypto/hash.c" "CMakeFiles/burrow.dir/src/lib/crypto/hash.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/crypto/hash.c.o.d"
  "/work/main/src/lib/crypto/pkt_cipher.c" "CMakeFiles/burrow.dir/src/lib/crypto/pkt_cipher.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/crypto/pkt_cipher.c.o.d"
  "/work/main/src/lib/crypto/random.c" "CMakeFiles/burrow.dir/src/lib/crypto/random.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/crypto/random.c.o.d"
  "/work/main/src/lib/crypto/x25519.c" "CMakeFiles/burrow.dir/src/lib/crypto/x25519.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/crypto/x25519.c.o.d"
  "/work/main/src/lib/error.c" "CMakeFiles/burrow.dir/src/lib/error.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/error.c.o.d"
  "/work/main/src/lib/fingerprint.c" "CMakeFiles/burrow.dir/src/lib/fingerprint.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/fingerprint.c.o.d"
  "/work/main/src/lib/kex.c" "CMakeFiles/burrow.dir/src/lib/kex.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/kex.c.o.d"
  "/work/main/src/lib/kex_curve25519.c" "CMakeFiles/burrow.dir/src/lib/kex_curve25519.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/kex_curve25519.c.o.d"
  "/work/main/src/lib/keyfile_openssh.c" "CMakeFiles/burrow.dir/src/lib/keyfile_openssh.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/keyfile_openssh.c.o.d"
  "/work/main/src/lib/keyline.c" "CMakeFiles/burrow.dir/src/lib/keyline.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/keyline.c.o.d"
  "/work/main/src/lib/keys.c" "CMakeFiles/burrow.dir/src/lib/keys.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/keys.c.o.d"
  "/work/main/src/lib/known_hosts.c" "CMakeFiles/burrow.dir/src/lib/known_hosts.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/known_hosts.c.o.d"
  "/work/main/src/lib/transport.c" "CMakeFiles/burrow.dir/src/lib/transport.c.o" "gcc" "CMakeFiles/burrow.dir/src/lib/transport.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
