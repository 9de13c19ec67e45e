# What `cmake --install` puts beside the executables, and the Debian package `cpack -G DEB` makes from
# the same install rules (scripts/package-check.sh builds, installs, runs and removes it).
#
#   plugins   WHARF_PLUGIN_DIR (/opt/cni/bin), absolute: where runtimes look for CNI plugins, and
#             apart from Debian's containernetworking-plugins, which live in /usr/lib/cni
#   wharf     <prefix>/bin: /usr/bin in the package, /usr/local/bin for a plain `cmake --install`
#   examples  <prefix>/share/doc/wharf/examples: conf-examples/, to copy into /etc/cni/net.d

install(DIRECTORY ${PROJECT_SOURCE_DIR}/conf-examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The agent's systemd unit, once the agent exists: `install(FILES <unit> DESTINATION ${WHARF_SYSTEMD_UNIT_DIR})`
# and the package carries it (/usr/lib/systemd/system under the package's prefix).
set(WHARF_SYSTEMD_UNIT_DIR lib/systemd/system CACHE PATH "Where the agent's systemd unit goes (relative: under the prefix)")

# A package of sanitizer binaries would need the sanitizer runtimes and run slowly; package the release build.
if(WHARF_SANITIZE)
  return()
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wharf)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "container networking: CNI plugins bridge, host-local, portmap, firewall, tuning, loopback")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Drop-in replacements for the reference CNI plugins of the same names, written in C++20 with
netlink and nftables (no ip, iptables or shell), installed into /opt/cni/bin, and the wharf
command: a libcni-compatible runtime with Docker-style sandboxes, inspect views and a demo.
Coexists with containernetworking-plugins, which installs into /usr/lib/cni.")
set(WHARF_PACKAGE_MAINTAINER "Wharf developers <wharf@invalid>" CACHE STRING "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${WHARF_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Architecture from dpkg (CPack asks dpkg --print-architecture); Depends from dpkg-shlibdeps: the
# static release plugins need nothing, wharfd (always dynamic: agent/CMakeLists.txt) gets libcurl,
# yaml-cpp, libstdc++ and libc, and a dynamic build libmnl, libnftnl and libnettle too.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Executables without their debug information, as Debian installs them (RelWithDebInfo's are ~20 MB each).
set(CPACK_STRIP_FILES ON)
# wharf_<version>_<arch>.deb
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)

# `ctest -L package`: build, install, run and remove the package on this machine (root). Not in the
# unit|integration suite, since it installs a package; scripts/package-check.sh refuses to run over a
# Wharf that is not the package's own.
if(BUILD_TESTING)
  add_test(NAME package_deb COMMAND ${PROJECT_SOURCE_DIR}/scripts/package-check.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(package_deb PROPERTIES LABELS package TIMEOUT 900 RUN_SERIAL TRUE)
endif()
