# header_check: compiles every header of common/, plugins/, cli/, agent/ and tests/ alone (each in a file of
# its own, included twice to test its include guard), so a header that leans on what its includers
# happened to include before it fails here rather than in the next file that includes it first.
# It makes nothing that is installed or run, so it is not part of `all`; scripts/test.sh (CI) builds it.
file(GLOB_RECURSE wharf_headers CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/common/*.hpp ${PROJECT_SOURCE_DIR}/plugins/*.hpp ${PROJECT_SOURCE_DIR}/cli/*.hpp
     ${PROJECT_SOURCE_DIR}/agent/*.hpp)
set(wharf_header_libs wharf_common wharf_cli_lib agent_lib kube_lib)
if(TARGET wharf_test_support)
  file(GLOB_RECURSE wharf_test_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/*.hpp)
  list(APPEND wharf_headers ${wharf_test_headers})
  list(APPEND wharf_header_libs wharf_test_support wharf_cri_client wharf_kube_test_support)
endif()

set(wharf_header_sources)
foreach(header ${wharf_headers})
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${header})
  string(MAKE_C_IDENTIFIER ${rel} id)
  set(source ${CMAKE_BINARY_DIR}/header_check/${id}.cpp)
  file(CONFIGURE OUTPUT ${source} CONTENT "#include \"${header}\"\n#include \"${header}\"\n")
  list(APPEND wharf_header_sources ${source})
endforeach()

add_library(header_check OBJECT EXCLUDE_FROM_ALL ${wharf_header_sources})
target_link_libraries(header_check PRIVATE ${wharf_header_libs})
# Only whether each header compiles matters, not the code made of it.
target_compile_options(header_check PRIVATE -O0 -g0)
