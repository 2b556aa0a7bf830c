# Shared part of the Debian cross toolchain files: include it after setting
# FIELDSYNC_CROSS_TRIPLET, CMAKE_SYSTEM_PROCESSOR and FIELDSYNC_CROSS_QEMU.
# The target's libraries come from Debian multiarch (/usr/lib/TRIPLET and
# /usr/include/TRIPLET, packages libfoo-dev:ARCH), so the sysroot is / and
# CMAKE_LIBRARY_ARCHITECTURE points find_library at the target's directory.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${FIELDSYNC_CROSS_TRIPLET}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${FIELDSYNC_CROSS_TRIPLET})
# pkg-config (jansson, libsodium) reads only the target's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${FIELDSYNC_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
# ctest runs the target's test programs under qemu-user. The target's
# dynamic loader and libraries are installed by multiarch under /, so qemu
# needs no -L prefix.
find_program(FIELDSYNC_QEMU_PROGRAM ${FIELDSYNC_CROSS_QEMU})
if(FIELDSYNC_QEMU_PROGRAM)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${FIELDSYNC_QEMU_PROGRAM})
endif()
