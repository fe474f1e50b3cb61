
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/cmd/burrowd/authkeys.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/authkeys.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/authkeys.c.o.d"
  "/work/main/src/cmd/burrowd/hostkeys.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/hostkeys.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/hostkeys.c.o.d"
  "/work/main/src/cmd/burrowd/main.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/main.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/main.c.o.d"
  "/work/main/src/cmd/burrowd/servconf.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/servconf.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/servconf.c.o.d"
  "/work/main/src/cmd/burrowd/server_conn.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/server_conn.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/server_conn.c.o.d"
  "/work/main/src/cmd/burrowd/session.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/session.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/session.c.o.d"
  "/work/main/src/cmd/burrowd/signals.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/signals.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/signals.c.o.d"
  "/work/main/src/cmd/burrowd/users.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/users.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/users.c.o.d"
  "/work/main/src/cmd/burrowd/util.c" "CMakeFiles/burrowd.dir/src/cmd/burrowd/util.c.o" "gcc" "CMakeFiles/burrowd.dir/src/cmd/burrowd/util.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-crypto/CMakeFiles/burrow_cmd_common.dir/DependInfo.cmake"
  "/work/main/build-crypto/CMakeFiles/libburrow.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
