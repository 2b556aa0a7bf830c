# Turns a web page's files (agent/ui/www/ for the kiosk, hub/console/www/
# for the hub's console) into a C file holding each one as bytes with its
# URL path and content type, so the program serves them from its own binary
# and needs nothing installed beside it.
# Usage: cmake -DOUT=file.c -DSRC_DIR=dir -DPREFIX=ui -DHEADER=assets.h
#              [-DCONCAT=pages.js=page-*.js,pages.css=page-*.css] -P embed_www.cmake
# Writes `const PREFIX_asset PREFIX_assets[]` (ending with a NULL path) and
# `PREFIX_assets_total_bytes`; HEADER declares the type. Each CONCAT entry
# (comma-separated)
# NAME=GLOB serves the files of SRC_DIR matching GLOB, in name order,
# joined into one file /NAME (empty when none match) instead of one by one:
# a feature adds its page file and nothing shared is edited.
cmake_policy(SET CMP0057 NEW) # IN_LIST
if(NOT DEFINED PREFIX)
  set(PREFIX ui)
endif()
if(NOT DEFINED HEADER)
  set(HEADER assets.h)
endif()
file(GLOB files "${SRC_DIR}/*.html" "${SRC_DIR}/*.css" "${SRC_DIR}/*.js" "${SRC_DIR}/*.svg")
list(SORT files)

function(content_type out name)
  get_filename_component(ext "${name}" LAST_EXT)
  if(ext STREQUAL ".html")
    set(${out} "text/html; charset=utf-8" PARENT_SCOPE)
  elseif(ext STREQUAL ".css")
    set(${out} "text/css; charset=utf-8" PARENT_SCOPE)
  elseif(ext STREQUAL ".js")
    set(${out} "text/javascript; charset=utf-8" PARENT_SCOPE)
  else()
    set(${out} "image/svg+xml" PARENT_SCOPE)
  endif()
endfunction()

# The joined files: each written next to OUT, then embedded like the rest.
set(joined "")
string(REPLACE "," ";" concat "${CONCAT}")
foreach(entry IN LISTS concat)
  string(REGEX MATCH "^([^=]+)=(.+)$" m "${entry}")
  set(target "${CMAKE_MATCH_1}")
  file(GLOB parts "${SRC_DIR}/${CMAKE_MATCH_2}")
  list(SORT parts)
  set(text "")
  foreach(p IN LISTS parts)
    list(REMOVE_ITEM files "${p}")
    get_filename_component(pname "${p}" NAME)
    file(READ "${p}" part)
    string(APPEND text "/* ${pname} */\n${part}\n")
  endforeach()
  set(jf "${OUT}.${target}")
  file(WRITE "${jf}" "${text}")
  list(APPEND joined "${jf}")
endforeach()

get_filename_component(from "${SRC_DIR}" NAME)
set(body "/* Generated from the files of ${from}/ by cmake/embed_www.cmake. Do not edit. */\n#include \"${HEADER}\"\n")
set(table "")
set(total 0)
set(i 0)
foreach(f IN LISTS files joined)
  get_filename_component(name "${f}" NAME)
  if(f IN_LIST joined)
    string(REGEX REPLACE "^.*\\.c\\." "" name "${name}")
  endif()
  content_type(type "${name}")
  file(SIZE "${f}" size)
  math(EXPR total "${total} + ${size}")
  file(READ "${f}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "static const unsigned char a${i}[] = {${hex}0x00};\n")
  string(APPEND table "\t{\"/${name}\", \"${type}\", a${i}, ${size}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "const ${PREFIX}_asset ${PREFIX}_assets[] = {\n${table}\t{0, 0, 0, 0}};\n")
string(APPEND body "const unsigned long ${PREFIX}_assets_total_bytes = ${total};\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
