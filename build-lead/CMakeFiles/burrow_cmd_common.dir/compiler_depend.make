# Empty compiler generated dependencies file for burrow_cmd_common.
# This may be replaced when dependencies are built.
