# SPDX-License-Identifier: MIT
# Debian packages in Debian's split, from `cpack -G DEB` (configure with
# -DCMAKE_INSTALL_PREFIX=/usr):
#   libmmio1     the runtime library
#   libmmio-dev  headers, pkg-config and CMake files, libmmio(3), the SDK
#                example
#   mmio-tools   mmiohost, the checker, the bundled plugins, plugins.conf,
#                mmiohost(1), plugins.conf(5), bash completion
set(MMIO_DEB_NAMES runtime:libmmio1 dev:libmmio-dev tools:mmio-tools)

# Each package carries its copyright and a changelog, as Debian policy asks.
set(debdoc ${CMAKE_CURRENT_BINARY_DIR}/debian-doc)
file(MAKE_DIRECTORY ${debdoc})
file(WRITE ${debdoc}/changelog.Debian
  "libmmio (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
  "  * Release ${PROJECT_VERSION}.\n\n"
  " -- libmmio developers <libmmio@example.org>  "
  "Sun, 22 Nov 2026 00:00:00 +0000\n")
if(GZIP)
  execute_process(COMMAND ${GZIP} -9nf ${debdoc}/changelog.Debian)
endif()
file(READ ${PROJECT_SOURCE_DIR}/LICENSE license_text)
file(WRITE ${debdoc}/copyright
  "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
  "Upstream-Name: libmmio\n\nFiles: *\nCopyright: 2026 The libmmio authors\n"
  "License: MIT\n")
string(REGEX REPLACE "\n\n" "\n.\n" license_para "${license_text}")
string(REGEX REPLACE "\n" "\n " license_para "${license_para}")
file(APPEND ${debdoc}/copyright " ${license_para}\n")
foreach(pair ${MMIO_DEB_NAMES})
  string(REPLACE ":" ";" parts ${pair})
  list(GET parts 0 comp)
  list(GET parts 1 pkg)
  install(FILES ${debdoc}/copyright
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${pkg} COMPONENT ${comp})
  if(GZIP)
    install(FILES ${debdoc}/changelog.Debian.gz
      DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${pkg} COMPONENT ${comp})
  endif()
endforeach()

# Control files: the runtime activates ldconfig, the tools keep
# plugins.conf as a configuration file.
file(WRITE ${debdoc}/runtime/triggers "activate-noawait ldconfig\n")
file(WRITE ${debdoc}/tools/conffiles
  "${CMAKE_INSTALL_FULL_SYSCONFDIR}/mmio/plugins.conf\n")

set(CPACK_PACKAGE_NAME libmmio)
set(CPACK_PACKAGE_VENDOR "The libmmio authors")
set(CPACK_PACKAGE_CONTACT "libmmio developers <libmmio@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Windows Multimedia File I/O API (mmio*) as a plugin host")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev tools)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libmmio.so.1 is in another of these packages: found in the build tree
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/host)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/libmmio")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libmmio1)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
  "Windows Multimedia File I/O API (mmio*) for Linux - library
 libmmio implements mmioOpen, mmioRead, mmioDescend and the rest of the
 Windows Multimedia File I/O API, with I/O procedures in plugins that are
 checked in a separate process before any program runs them.")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${debdoc}/runtime/triggers)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libmmio-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libmmio1 (= ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})")
set(CPACK_DEBIAN_DEV_DESCRIPTION
  "Windows Multimedia File I/O API (mmio*) for Linux - development files
 Headers (mmsystem.h, mmreg.h, mmio.h, mmio_plugin.h), pkg-config and CMake
 files, the libmmio(3) manual and an example plugin.")
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME mmio-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS
  "libmmio1 (= ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})")
set(CPACK_DEBIAN_TOOLS_DESCRIPTION
  "Windows Multimedia File I/O API (mmio*) for Linux - tools and plugins
 mmiohost lists, checks, installs and removes libmmio's procedures and
 plugins, and reads and writes files through them; with the plugin checker,
 the bundled zip plugin and the system-wide plugins.conf.")
set(CPACK_DEBIAN_TOOLS_PACKAGE_CONTROL_EXTRA ${debdoc}/tools/conffiles)
include(CPack)
