# Helpers that give every top-level folder the same shape: one static library per
# folder (DESIGN.md), sources found by glob, includes relative to the repo root
# ("storage/tensor_file.h"), and one shared LibTorch precompiled header.
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

# The precompiled <torch/torch.h>: built once, reused by every target that needs
# LibTorch. Parsing it costs ~20 s per translation unit without a PCH. A PCH is only
# valid for code compiled with the same flags, and libraries get -fPIC where
# executables get -fPIE, so there is one PCH of each kind.
add_library(dact_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cpp)
target_link_libraries(dact_pch PUBLIC dact_torch)
target_precompile_headers(dact_pch PUBLIC <torch/torch.h>)
add_executable(dact_pch_executable ${PROJECT_SOURCE_DIR}/cmake/pch_main.cpp)
target_link_libraries(dact_pch_executable PRIVATE dact_torch)
target_precompile_headers(dact_pch_executable PRIVATE <torch/torch.h>)

function(dact_use_torch target)
  target_link_libraries(${target} PUBLIC dact_torch)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_precompile_headers(${target} REUSE_FROM dact_pch_executable)
  else()
    target_precompile_headers(${target} REUSE_FROM dact_pch)
  endif()
endfunction()

# dact_add_library(<name> [TORCH] [DEPS <targets>...])
# Builds dact_<name> from every .cpp below the calling folder.
function(dact_add_library name)
  cmake_parse_arguments(ARG "TORCH" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX ".*/main\\.cpp$")
  if(NOT DACT_WITH_CUDA)
    list(FILTER sources EXCLUDE REGEX ".*/cuda/.*")  # CUDA / NCCL code paths
  endif()
  if(NOT sources)
    set(sources ${PROJECT_SOURCE_DIR}/cmake/empty.cpp)
  endif()
  add_library(dact_${name} STATIC ${sources})
  target_include_directories(dact_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(dact_${name} PUBLIC ${ARG_DEPS})
  target_compile_options(dact_${name} PRIVATE -Wall -Wextra)
  if(ARG_TORCH)
    dact_use_torch(dact_${name})
  endif()
endfunction()

# dact_add_test_suite(<name> [TORCH] [DEPS <targets>...])
# One GoogleTest executable from every *_test.cpp in the calling folder; each
# TEST becomes a CTest test. Tests find ../shared/reference via DACT_REFERENCE_DIR.
function(dact_add_test_suite name)
  cmake_parse_arguments(ARG "TORCH" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${name}_tests ${sources})
  target_link_libraries(${name}_tests PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_include_directories(${name}_tests PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${name}_tests PRIVATE
    DACT_REFERENCE_DIR="${DACT_REFERENCE_DIR}"
    DACT_BINARY="$<TARGET_FILE:dact>"
    DACT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(ARG_TORCH)
    dact_use_torch(${name}_tests)
  endif()
  gtest_discover_tests(${name}_tests
    DISCOVERY_TIMEOUT 120
    PROPERTIES LABELS ${name} ENVIRONMENT "${DACT_TEST_ENVIRONMENT}")
endfunction()

# dact_add_mpi_test(<name> NP <n> COMMAND <exe> <args>...)
# A real multi-process test: mpirun starts <n> ranks of <exe> on this machine.
function(dact_add_mpi_test name)
  cmake_parse_arguments(ARG "" "NP;TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name}
    COMMAND ${MPIEXEC_EXECUTABLE} --oversubscribe --bind-to none -np ${ARG_NP} ${ARG_COMMAND})
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${ARG_TIMEOUT}
    LABELS "mpi;${ARG_LABELS}"
    ENVIRONMENT "${DACT_TEST_ENVIRONMENT}")
endfunction()
