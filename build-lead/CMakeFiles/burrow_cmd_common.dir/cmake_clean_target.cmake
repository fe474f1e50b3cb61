file(REMOVE_RECURSE
  "libburrow_cmd_common.a"
)
