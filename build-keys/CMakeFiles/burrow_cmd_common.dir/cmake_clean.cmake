file(REMOVE_RECURSE
  "CMakeFiles/burrow_cmd_common.dir/src/cmd/common/cfgfile.c.o"
  "CMakeFiles/burrow_cmd_common.dir/src/cmd/common/cfgfile.c.o.d"
  "CMakeFiles/burrow_cmd_common.dir/src/cmd/common/log.c.o"
  "CMakeFiles/burrow_cmd_common.dir/src/cmd/common/log.c.o.d"
  "libburrow_cmd_common.a"
  "libburrow_cmd_common.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/burrow_cmd_common.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
