# What `finwait run` leaves when a server daemonizes and finwait is SIGKILLed or sent
# SIGHUP, or a helper writes into the cell's folder: nothing. Endpoint times clamped;
# --keep. FINWAIT_SIGKILL_TRIALS=30 runs the issue's 30 SIGKILL trials (~1 s each).
fw_netns_test(test_cleanup SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cleanup.c LIBS fwutil
  TIMEOUT 180)
add_dependencies(test_cleanup finwait finwait-server finwait-client)
