CMakeFiles/burrow.dir/src/lib/error.c.o: /work/main/src/lib/error.c \
 /usr/include/stdc-predef.h /work/main/include/burrow/error.h
