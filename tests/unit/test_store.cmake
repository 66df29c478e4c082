# test_store.cmake -- strdup reaches the test's __wrap_strdup, so a case can fail a chosen copy
# of a row's text (row_text_out_of_memory). Not a builtin in the test, so every call goes through.
target_link_options(${base} PRIVATE -Wl,--wrap=strdup)
target_compile_options(${base} PRIVATE -fno-builtin-strdup)
