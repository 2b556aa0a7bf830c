# Cross build for 64-bit ARM Linux (Raspberry Pi 3/4/5 with a 64-bit OS) with
# Debian's cross compiler and the :arm64 libraries of Debian multiarch
# (scripts/cross.sh arm64 installs both). Use:
#   cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
set(FIELDSYNC_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(FIELDSYNC_CROSS_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)
