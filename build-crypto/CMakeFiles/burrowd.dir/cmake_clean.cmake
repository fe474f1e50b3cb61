file(REMOVE_RECURSE
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/authkeys.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/authkeys.c.o.d"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/hostkeys.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/hostkeys.c.o.d"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/main.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/main.c.o.d"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/servconf.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/servconf.c.o.d"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/server_conn.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/server_conn.c.o.d"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/session.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/session.c.o.d"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/signals.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/signals.c.o.d"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/users.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/users.c.o.d"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/util.c.o"
  "CMakeFiles/burrowd.dir/src/cmd/burrowd/util.c.o.d"
  "burrowd"
  "burrowd.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/burrowd.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
