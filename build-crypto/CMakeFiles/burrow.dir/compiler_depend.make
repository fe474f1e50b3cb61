# Empty compiler generated dependencies file for burrow.
# This may be replaced when dependencies are built.
