# The scenario parser under libFuzzer, for FW_FUZZ_SECONDS (60) from a seed corpus of the
# shipped scenarios (tests/scenarios). libFuzzer comes with clang, so this builds only
# when the compiler is clang: ci/sanitize configures such a build (CC=clang, with ASan and
# UBSan). The target compiles its own, coverage-instrumented copy of the parser's sources.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(FW_FUZZ_SECONDS 60 CACHE STRING "How long the fuzz test runs")
  add_executable(fuzz_scenario ${CMAKE_CURRENT_LIST_DIR}/fuzz_scenario.c
    ${CMAKE_SOURCE_DIR}/harness/scenario/scenario.c ${CMAKE_SOURCE_DIR}/harness/scenario/ini.c
    ${CMAKE_SOURCE_DIR}/harness/scenario/matrix.c ${CMAKE_SOURCE_DIR}/harness/scenario/builtin.c
    ${CMAKE_SOURCE_DIR}/common/schema.c ${CMAKE_SOURCE_DIR}/common/vocab.c
    ${CMAKE_SOURCE_DIR}/common/util.c ${CMAKE_SOURCE_DIR}/common/err.c)
  target_include_directories(fuzz_scenario PRIVATE ${CMAKE_SOURCE_DIR}/harness/scenario
    ${CMAKE_SOURCE_DIR}/common)
  target_compile_options(fuzz_scenario PRIVATE -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all)
  target_link_options(fuzz_scenario PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_scenario PRIVATE PkgConfig::INIH)
  add_dependencies(fw_tests fuzz_scenario)
  # New inputs go to a corpus in the build tree; the shipped scenarios are only read.
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz-corpus)
  add_test(NAME fuzz_scenario COMMAND fuzz_scenario -max_total_time=${FW_FUZZ_SECONDS}
    -timeout=10 -rss_limit_mb=1024 -max_len=8192 -print_final_stats=1
    ${CMAKE_BINARY_DIR}/fuzz-corpus ${CMAKE_SOURCE_DIR}/tests/scenarios)
  set_tests_properties(fuzz_scenario PROPERTIES LABELS fuzz
    TIMEOUT 300)
endif()
