# Included from tests/CMakeLists.txt (so it can set properties of the integration test made there).
# The containerd CRI test harness: a CRI client over gRPC (tests only: no plugin links gRPC), a private
# containerd runner, and a locally built pause image, so the suite needs no registry.

find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)

# C++ from the hand-written CRI subset: protoc for the messages, grpc_cpp_plugin for the stubs.
set(cri_proto ${CMAKE_CURRENT_LIST_DIR}/cri_api.proto)
set(cri_gen ${CMAKE_CURRENT_BINARY_DIR}/cri/gen)
set(cri_gen_sources ${cri_gen}/cri_api.pb.cc ${cri_gen}/cri_api.grpc.pb.cc)
set(cri_gen_headers ${cri_gen}/cri_api.pb.h ${cri_gen}/cri_api.grpc.pb.h)
add_custom_command(
  OUTPUT ${cri_gen_sources} ${cri_gen_headers}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${cri_gen}
  COMMAND protobuf::protoc
          --proto_path=${CMAKE_CURRENT_LIST_DIR}
          --cpp_out=${cri_gen}
          --grpc_out=${cri_gen}
          --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
          ${cri_proto}
  DEPENDS ${cri_proto} protobuf::protoc gRPC::grpc_cpp_plugin
  COMMENT "protoc: CRI runtime.v1 subset"
  VERBATIM)

add_library(wharf_cri_client STATIC ${CMAKE_CURRENT_LIST_DIR}/cri_client.cpp ${cri_gen_sources})
target_include_directories(wharf_cri_client PUBLIC ${CMAKE_CURRENT_LIST_DIR} PRIVATE ${cri_gen})
target_link_libraries(wharf_cri_client PUBLIC gRPC::grpc++ protobuf::libprotobuf)
# Generated code is not ours to keep warning-free under -Werror.
set_source_files_properties(${cri_gen_sources} PROPERTIES COMPILE_OPTIONS "-Wno-error;-w")

# The pause program: static, and built without the sanitizer flags a WHARF_SANITIZE build adds to every
# target (a static program cannot carry ASan), so it is compiled by a plain command.
set(cri_pause ${CMAKE_CURRENT_BINARY_DIR}/cri/pause)
add_custom_command(
  OUTPUT ${cri_pause}
  COMMAND ${CMAKE_C_COMPILER} -O2 -s -static -Wall -Wextra -Werror -o ${cri_pause} ${CMAKE_CURRENT_LIST_DIR}/pause.c
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/pause.c
  COMMENT "pause: static sandbox process for the CRI tests"
  VERBATIM)

# The pause image as an OCI archive for `ctr images import`.
set(cri_pause_image ${CMAKE_CURRENT_BINARY_DIR}/cri/pause-image.tar)
add_custom_command(
  OUTPUT ${cri_pause_image}
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/make_pause_image.sh ${cri_pause} localhost/wharf/pause:test ${cri_pause_image}
  DEPENDS ${cri_pause} ${CMAKE_CURRENT_LIST_DIR}/make_pause_image.sh
  COMMENT "pause image: OCI archive"
  VERBATIM)
add_custom_target(wharf_cri_pause_image DEPENDS ${cri_pause_image})

# A private containerd for one test: config, start and stop by PID, shims, mounts, cgroups.
add_library(wharf_cri_containerd STATIC ${CMAKE_CURRENT_LIST_DIR}/containerd_instance.cpp)
target_include_directories(wharf_cri_containerd PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(wharf_cri_containerd PUBLIC wharf_cri_client wharf_test_support)
target_compile_definitions(wharf_cri_containerd PUBLIC
  WHARF_CRI_PAUSE_IMAGE_TAR="${cri_pause_image}"
  WHARF_CRI_PAUSE_IMAGE="localhost/wharf/pause:test")
add_dependencies(wharf_cri_containerd wharf_cri_pause_image)

# tests/integration/containerd_cri_test.cpp: containerd runs Wharf's plugins (it execs the built ones).
if(TARGET integration_containerd_cri)
  target_link_libraries(integration_containerd_cri PRIVATE wharf_cri_containerd)
  add_dependencies(integration_containerd_cri bridge host-local portmap loopback)
  set_tests_properties(integration_containerd_cri PROPERTIES TIMEOUT 300)
endif()
