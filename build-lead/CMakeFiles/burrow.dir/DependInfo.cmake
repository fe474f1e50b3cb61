
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/cmd/burrow/hostkey.c" "CMakeFiles/burrow.dir/src/cmd/burrow/hostkey.c.o" "gcc" "CMakeFiles/burrow.dir/src/cmd/burrow/hostkey.c.o.d"
  "/work/main/src/cmd/burrow/identity.c" "CMakeFiles/burrow.dir/src/cmd/burrow/identity.c.o" "gcc" "CMakeFiles/burrow.dir/src/cmd/burrow/identity.c.o.d"
  "/work/main/src/cmd/burrow/net.c" "CMakeFiles/burrow.dir/src/cmd/burrow/net.c.o" "gcc" "CMakeFiles/burrow.dir/src/cmd/burrow/net.c.o.d"
  "/work/main/src/cmd/burrow/options.c" "CMakeFiles/burrow.dir/src/cmd/burrow/options.c.o" "gcc" "CMakeFiles/burrow.dir/src/cmd/burrow/options.c.o.d"
  "/work/main/src/cmd/burrow/session.c" "CMakeFiles/burrow.dir/src/cmd/burrow/session.c.o" "gcc" "CMakeFiles/burrow.dir/src/cmd/burrow/session.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-lead/CMakeFiles/burrow_cmd_common.dir/DependInfo.cmake"
  "/work/main/build-lead/CMakeFiles/libburrow.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
