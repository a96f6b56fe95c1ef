# Helpers to declare tests. Every test is a cmocka executable registered with CTest.
#   fw_unit_test(NAME SOURCES a.c b.c LIBS fwlab ...)   label "unit", no privileges
#   fw_netns_test(NAME SOURCES ... LIBS ...)            label "netns", real namespaces
#   fw_bench(NAME SOURCES ... LIBS ... [ARGS ...])      label "bench", only in `make bench`
# A test that exits 77 is reported as skipped (never in CI: ci/test refuses skips).
add_custom_target(fw_tests)
add_custom_target(fw_benches)

function(_fw_exe kind name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA Threads::Threads)
  if(kind STREQUAL "bench")
    add_dependencies(fw_benches ${name})
    add_test(NAME ${name} COMMAND ${name} ${T_ARGS} CONFIGURATIONS bench)
  else()
    add_dependencies(fw_tests ${name})
    add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS ${kind} SKIP_RETURN_CODE 77
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "FINWAIT_BUILD_DIR=${CMAKE_BINARY_DIR};FINWAIT_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

find_program(FW_VALGRIND valgrind)

# A unit test runs twice: as is, and under valgrind's memcheck (leaks and invalid
# accesses fail it) when valgrind is installed (ci/deps installs it) and the build is
# not already under the sanitizers (FINWAIT_SANITIZE, ci/sanitize).
function(fw_unit_test name)
  _fw_exe(unit ${name} ${ARGN})
  if(FW_VALGRIND AND NOT FINWAIT_SANITIZE) # valgrind cannot run ASan binaries
    add_test(NAME ${name}_memcheck COMMAND ${FW_VALGRIND} --quiet --error-exitcode=99
      --leak-check=full --errors-for-leak-kinds=definite,indirect $<TARGET_FILE:${name}>)
    set_tests_properties(${name}_memcheck PROPERTIES LABELS "unit;memcheck"
      SKIP_RETURN_CODE 77 TIMEOUT 300)
  endif()
endfunction()
function(fw_netns_test name)
  _fw_exe(netns ${name} ${ARGN})
  set_tests_properties(${name} PROPERTIES RUN_SERIAL FALSE)
endfunction()
function(fw_bench name)
  _fw_exe(bench ${name} ${ARGN})
endfunction()
