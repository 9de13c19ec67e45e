# Included from tests/CMakeLists.txt once the test targets exist: host-local's unit tests link its logic
# library, and its integration tests need both plugin binaries built first.
foreach(t unit_host_local unit_host_local_store)
  if(TARGET ${t})
    target_link_libraries(${t} PRIVATE host_local_lib)
  endif()
endforeach()
foreach(t integration_host_local integration_host_local_crash integration_host_local_concurrency)
  if(TARGET ${t})
    add_dependencies(${t} host-local host-local-testhooks)
  endif()
endforeach()
# The flat-cost check compares timings: run it alone so other tests' load does not skew one side.
if(TEST integration_host_local_concurrency)
  set_tests_properties(integration_host_local_concurrency PROPERTIES RUN_SERIAL TRUE)
endif()
