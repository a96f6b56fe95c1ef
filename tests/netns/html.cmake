# The HTML page in headless Chromium (ci/deps installs it): the default run's page renders
# with no console message and no reference outside itself, every cell on it; the page,
# its JSON and a screenshot are kept in tests/artifacts/html/ of the build tree. The
# control loads a page with a fetch injected and must see the checks catch it.
fw_netns_test(test_html_browser SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_html_browser.c
  ${CMAKE_CURRENT_LIST_DIR}/runcmd.c LIBS fwreport fwutil PkgConfig::JSONC TIMEOUT 120)
add_dependencies(test_html_browser finwait finwait-server finwait-client)
add_test(NAME test_html_browser_control COMMAND test_html_browser control)
set_tests_properties(test_html_browser_control PROPERTIES LABELS netns SKIP_RETURN_CODE 77
  TIMEOUT 120 ENVIRONMENT "FINWAIT_BUILD_DIR=${CMAKE_BINARY_DIR}")
