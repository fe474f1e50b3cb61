file(REMOVE_RECURSE
  "CMakeFiles/burrow.dir/src/cmd/burrow/hostkey.c.o"
  "CMakeFiles/burrow.dir/src/cmd/burrow/hostkey.c.o.d"
  "CMakeFiles/burrow.dir/src/cmd/burrow/identity.c.o"
  "CMakeFiles/burrow.dir/src/cmd/burrow/identity.c.o.d"
  "CMakeFiles/burrow.dir/src/cmd/burrow/main.c.o"
  "CMakeFiles/burrow.dir/src/cmd/burrow/main.c.o.d"
  "CMakeFiles/burrow.dir/src/cmd/burrow/net.c.o"
  "CMakeFiles/burrow.dir/src/cmd/burrow/net.c.o.d"
  "CMakeFiles/burrow.dir/src/cmd/burrow/options.c.o"
  "CMakeFiles/burrow.dir/src/cmd/burrow/options.c.o.d"
  "CMakeFiles/burrow.dir/src/cmd/burrow/session.c.o"
  "CMakeFiles/burrow.dir/src/cmd/burrow/session.c.o.d"
  "burrow"
  "burrow.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/burrow.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
