# Empty dependencies file for libburrow.
# This may be replaced when dependencies are built.
