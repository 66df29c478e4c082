# test_jsonr.cmake -- strdup and free reach the test's wrappers (__wrap_strdup, __wrap_free), so
# the field-table cases can fail a chosen copy and see which strings were freed. Neither is a
# builtin in the test: the wrappers do more than the builtins' known effects (free writes their
# state).
target_link_options(${base} PRIVATE -Wl,--wrap=strdup -Wl,--wrap=free)
target_compile_options(${base} PRIVATE -fno-builtin-free -fno-builtin-strdup)
