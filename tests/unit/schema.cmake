# Unit tests of fwschema: the table of scenario keys and the vocabulary; the README's
# scenario block is checked against it.
fw_unit_test(test_schema SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_schema.c LIBS fwschema)
target_compile_definitions(test_schema PRIVATE FW_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
