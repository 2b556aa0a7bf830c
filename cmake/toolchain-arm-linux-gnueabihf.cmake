# Cross build for 32-bit ARM Linux, hard float (Raspberry Pi OS 32-bit, Debian
# armhf) with Debian's cross compiler and the :armhf libraries of Debian
# multiarch (scripts/cross.sh armhf installs both). The root CMakeLists.txt
# asks for a 64-bit off_t and time_t on every target and refuses to configure
# without them (see docs/deploy.md, "32-bit ARM: off_t and time_t"). Use:
#   cmake -S . -B build/armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm-linux-gnueabihf.cmake
set(FIELDSYNC_CROSS_TRIPLET arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(FIELDSYNC_CROSS_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)
