# Empty compiler generated dependencies file for burrowd.
# This may be replaced when dependencies are built.
