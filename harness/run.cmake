# The finwait command.
add_executable(finwait main.c)
target_link_libraries(finwait PRIVATE fwutil)
