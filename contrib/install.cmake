# Run by `cmake --install` (and `make install`), after the programs: the systemd unit with this
# prefix's paths, and a default /etc/burrow/burrowd_config unless one is there already (an
# administrator's file is never overwritten). DESTDIR is honoured, as install() does.
# BURROW_SOURCE_DIR is set by CMakeLists.txt.

set(root "$ENV{DESTDIR}")

file(READ "${BURROW_SOURCE_DIR}/contrib/burrowd.service" unit)
string(REPLACE "/usr/local/sbin/" "${CMAKE_INSTALL_PREFIX}/sbin/" unit "${unit}")
string(REPLACE "/usr/local/bin/" "${CMAKE_INSTALL_PREFIX}/bin/" unit "${unit}")
set(unit_dir "${root}${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
message(STATUS "Installing: ${unit_dir}/burrowd.service")
file(MAKE_DIRECTORY "${unit_dir}")
file(WRITE "${unit_dir}/burrowd.service" "${unit}")

set(config "${root}/etc/burrow/burrowd_config")
if(EXISTS "${config}")
  message(STATUS "Keeping: ${config} (already there)")
else()
  # file(INSTALL) adds DESTDIR itself.
  file(INSTALL "${BURROW_SOURCE_DIR}/contrib/burrowd_config" DESTINATION "/etc/burrow"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
