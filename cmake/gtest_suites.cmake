# Run after a GoogleTest executable is built (cmake -P): lists its test suites and
# writes a CTest file with one test per suite, so a suite's SetUpTestSuite (a trained
# classifier, a converted dataset, a training run) happens once, not once per case.
# Inputs (-D): EXECUTABLE, OUTPUT, PREFIX (test name prefix and label), MPI_SUITES
# (suites that start mpirun: label `mpi`), TIMEOUT, ENVIRONMENT ('|'-separated).
cmake_policy(VERSION 3.18)
execute_process(COMMAND ${EXECUTABLE} --gtest_list_tests
                OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE status TIMEOUT 120)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${EXECUTABLE} --gtest_list_tests failed (${status}): ${errors}")
endif()
string(REPLACE "|" ";" environment "${ENVIRONMENT}")
string(REPLACE "," ";" mpi_suites "${MPI_SUITES}")
string(REPLACE "\n" ";" lines "${listing}")
set(script "")
set(listed_mpi_suites "")
foreach(line IN LISTS lines)
  # Suite lines start in column 0 and end in '.' (then maybe "  # TypeParam = ...").
  if(line MATCHES "^([^ #][^ ]*)\\.( .*)?$")
    set(suite ${CMAKE_MATCH_1})
    set(labels ${PREFIX})
    string(REGEX REPLACE "/.*" "" base_suite "${suite}")  # Prefix/Suite -> Prefix
    string(REGEX REPLACE ".*/" "" plain_suite "${suite}")  # Prefix/Suite -> Suite
    if(plain_suite IN_LIST mpi_suites OR base_suite IN_LIST mpi_suites)
      list(APPEND labels mpi)
      list(APPEND listed_mpi_suites ${plain_suite})
    endif()
    string(APPEND script
      "add_test([=[${PREFIX}.${suite}]=] [=[${EXECUTABLE}]=] [=[--gtest_filter=${suite}.*]=])\n"
      "set_tests_properties([=[${PREFIX}.${suite}]=] PROPERTIES LABELS [=[${labels}]=] "
      "TIMEOUT ${TIMEOUT} ENVIRONMENT [=[${environment}]=])\n")
  endif()
endforeach()
# A suite named as starting mpirun that the executable does not have is a stale list.
foreach(suite IN LISTS mpi_suites)
  if(NOT suite IN_LIST listed_mpi_suites)
    message(FATAL_ERROR "${EXECUTABLE} has no test suite ${suite} (listed in MPI_SUITES)")
  endif()
endforeach()
file(WRITE ${OUTPUT} "${script}")
