# fwstatus: the status-pipe protocol (pure), shared by the endpoints and the orchestrator.
# fwendpoint: the command lines of finwait-server and finwait-client (pure).
add_library(fwstatus STATIC ${CMAKE_CURRENT_LIST_DIR}/status.c)
target_include_directories(fwstatus PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fwstatus PUBLIC fwutil)

add_library(fwendpoint STATIC ${CMAKE_CURRENT_LIST_DIR}/endpoint_opts.c)
target_include_directories(fwendpoint PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fwendpoint PUBLIC fwstatus fwutil)
