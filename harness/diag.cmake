# fwdiag: sock_diag dumps (diag.c), per-connection timelines (timeline.c, pure), the
# periodic sampler thread (sampler.c) and the `finwait watch` subcommand (watch.c).
add_library(fwdiag STATIC
  ${CMAKE_CURRENT_LIST_DIR}/diag.c
  ${CMAKE_CURRENT_LIST_DIR}/timeline.c
  ${CMAKE_CURRENT_LIST_DIR}/sampler.c
  ${CMAKE_CURRENT_LIST_DIR}/watch.c)
target_include_directories(fwdiag PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fwdiag PUBLIC fwutil fwnl PkgConfig::LIBNL Threads::Threads)
