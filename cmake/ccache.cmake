# Use ccache when present. Precompiled headers need the sloppiness below, or
# ccache refuses to cache the translation units that include them.
find_program(DACT_CCACHE ccache)
if(DACT_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${DACT_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_C_COMPILER_LAUNCHER})
  message(STATUS "dact: using ccache at ${DACT_CCACHE}")
endif()
