# model_plateau(): Little's law on the model's lifetime, and its widening (pure).
fw_unit_test(test_plateau SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_plateau.c LIBS fwmodel)
