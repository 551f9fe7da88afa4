# Use ccache when present, set up so that a second clone of the repository (CI's fresh
# clone, another worktree) hits the cache of the first:
# - base_dir: absolute paths below the source tree are rewritten to relative ones, so
#   command lines and __FILE__ are the same in every clone folder;
# - compiler_check=content: a reinstalled but identical compiler still hits;
# - the sloppiness that lets ccache cache translation units using the precompiled
#   header (and the header itself).
find_program(DACT_CCACHE ccache)
if(DACT_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}
      CCACHE_COMPILERCHECK=content
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${DACT_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_C_COMPILER_LAUNCHER})
  message(STATUS "dact: using ccache at ${DACT_CCACHE}")
endif()
