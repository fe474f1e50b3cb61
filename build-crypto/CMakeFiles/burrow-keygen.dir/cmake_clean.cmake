file(REMOVE_RECURSE
  "CMakeFiles/burrow-keygen.dir/src/cmd/burrow-keygen/generate.c.o"
  "CMakeFiles/burrow-keygen.dir/src/cmd/burrow-keygen/generate.c.o.d"
  "CMakeFiles/burrow-keygen.dir/src/cmd/burrow-keygen/io.c.o"
  "CMakeFiles/burrow-keygen.dir/src/cmd/burrow-keygen/io.c.o.d"
  "CMakeFiles/burrow-keygen.dir/src/cmd/burrow-keygen/main.c.o"
  "CMakeFiles/burrow-keygen.dir/src/cmd/burrow-keygen/main.c.o.d"
  "CMakeFiles/burrow-keygen.dir/src/cmd/burrow-keygen/show.c.o"
  "CMakeFiles/burrow-keygen.dir/src/cmd/burrow-keygen/show.c.o.d"
  "burrow-keygen"
  "burrow-keygen.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/burrow-keygen.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
