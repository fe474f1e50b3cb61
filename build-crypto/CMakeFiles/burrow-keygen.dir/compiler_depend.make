# Empty compiler generated dependencies file for burrow-keygen.
# This may be replaced when dependencies are built.
