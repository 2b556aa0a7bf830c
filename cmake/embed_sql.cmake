# Turns schema migrations (SRC_DIR/NNN_*.sql) into a C file holding each as a
# string, in file-name order, so a backend can apply them without reading
# files. The array is named NAME, its length COUNT.
# Usage: cmake -DOUT=file.c -DSRC_DIR=schema -DNAME=fs_schema_migrations
#              -DCOUNT=fs_schema_migration_count -P embed_sql.cmake
if(NOT NAME)
  set(NAME fs_schema_migrations)
endif()
if(NOT COUNT)
  set(COUNT fs_schema_migration_count)
endif()
file(GLOB files "${SRC_DIR}/[0-9][0-9][0-9]_*.sql")
list(SORT files)
set(body "/* Generated from the schema migrations by cmake/embed_sql.cmake. Do not edit. */\n#include <stddef.h>\n")
set(names "")
set(i 0)
foreach(f IN LISTS files)
  file(READ "${f}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "static const char m${i}[] = {${hex}0x00};\n")
  string(APPEND names "m${i},")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "extern const char *const ${NAME}[];\nextern const int ${COUNT};\n")
string(APPEND body "const char *const ${NAME}[] = {${names}NULL};\n")
string(APPEND body "const int ${COUNT} = ${i};\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
