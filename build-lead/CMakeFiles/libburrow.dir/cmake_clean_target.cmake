file(REMOVE_RECURSE
  "libburrow.a"
)
