# Test helpers: every test carries its folder's label, and every test that starts
# mpirun also carries `mpi`, so `ctest -L storage` or `ctest -LE mpi` mean what they say.

# Open MPI refuses root without these; CI and developer machines run as root.
set(DACT_TEST_ENVIRONMENT
    "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1")

# The folder a test is declared in (tests/<folder>/CMakeLists.txt) is its label.
function(dact_test_folder out)
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(${out} ${folder} PARENT_SCOPE)
endfunction()

# dact_add_test_suite(<name> [TORCH] [DEPS <targets>...] [MPI_SUITES <suites>...] [TIMEOUT s])
# One GoogleTest executable from every *_test.cpp in the calling folder, and one CTest
# test per GoogleTest suite (<name>.<Suite>), listed after each build
# (cmake/gtest_suites.cmake). MPI_SUITES names the suites that start mpirun.
function(dact_add_test_suite name)
  cmake_parse_arguments(ARG "TORCH" "TIMEOUT" "DEPS;MPI_SUITES" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  set(target ${name}_tests)
  add_executable(${target} ${sources})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS} dact_test_support GTest::gtest GTest::gtest_main)
  dact_warnings(${target})
  # The code under test is the libraries' (-O3); the tests' own code compiles a quarter
  # faster at -O1, the lowest level that still fits the LibTorch PCH (__OPTIMIZE__).
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-O1>)
  if(ARG_TORCH)
    dact_use_torch(${target})
  endif()
  dact_unity(${target})
  add_dependencies(${target} dact)  # the suites run the built binary

  set(ctest_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake)
  string(REPLACE ";" "|" environment "${DACT_TEST_ENVIRONMENT}")
  string(REPLACE ";" "," mpi_suites "${ARG_MPI_SUITES}")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -D EXECUTABLE=$<TARGET_FILE:${target}> -D OUTPUT=${ctest_file}
            -D PREFIX=${name} -D MPI_SUITES=${mpi_suites} -D TIMEOUT=${ARG_TIMEOUT}
            -D ENVIRONMENT=${environment} -P ${PROJECT_SOURCE_DIR}/cmake/gtest_suites.cmake
    BYPRODUCTS ${ctest_file} VERBATIM)
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake)
  file(WRITE ${include_file}
    "if(EXISTS \"${ctest_file}\")\n  include(\"${ctest_file}\")\n"
    "else()\n  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()

# dact_add_mpi_test(<name> NP <n> [TIMEOUT s] COMMAND <exe> <args>... [LABELS <labels>...])
# A real multi-process test: mpirun starts <n> ranks of <exe> on this machine.
function(dact_add_mpi_test name)
  cmake_parse_arguments(ARG "" "NP;TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  dact_test_folder(folder)
  add_test(NAME ${name}
    COMMAND ${MPIEXEC_EXECUTABLE} --oversubscribe --bind-to none -np ${ARG_NP} ${ARG_COMMAND})
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${ARG_TIMEOUT}
    LABELS "mpi;${folder};${ARG_LABELS}"
    ENVIRONMENT "${DACT_TEST_ENVIRONMENT}")
endfunction()
