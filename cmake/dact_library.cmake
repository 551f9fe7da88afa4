# Helpers that give every top-level folder the same shape: one static library per
# folder (DESIGN.md), sources found by glob, includes relative to the repo root
# ("storage/tensor_file.h").
#
# Build time is LibTorch's: parsing <torch/torch.h> costs ~20 s per translation unit,
# and loading it as a precompiled header still costs ~5 s. So (bench/results/build.md):
# - one PCH, shared by every target: nothing sets -fPIC/-fPIE per target, so libraries
#   and executables compile with the compiler's default (PIE) and one PCH fits both;
# - only files that include LibTorch (directly or through this repo's headers) load
#   it; the others compile without it;
# - sources are compiled in unity batches (DACT_UNITY_BATCH per translation unit, the
#   LibTorch files and the others apart), so the PCH load, Boost.Asio, GoogleTest and
#   LibTorch's inline code are paid once a batch. A file in a batch must not define
#   names at namespace scope (anonymous namespaces included) that another file of its
#   folder also defines.

set(DACT_UNITY_BATCH 8 CACHE STRING
    "Sources compiled per translation unit (1 turns unity builds off)")

# dact_includes_torch(<file> <out-var>): whether <file> includes a LibTorch header,
# itself or through a header of this repository (followed recursively, memoised).
# A header that gains a LibTorch include later only makes its users slower until the
# next configure, never wrong: every target still has LibTorch's include path.
function(dact_includes_torch file out)
  get_property(known GLOBAL PROPERTY "dact_torch:${file}" SET)
  if(known)
    get_property(result GLOBAL PROPERTY "dact_torch:${file}")
    set(${out} ${result} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY "dact_torch:${file}" FALSE)  # cuts include cycles
  set(result FALSE)
  file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  get_filename_component(file_dir ${file} DIRECTORY)
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"].*" "\\1" name "${line}")
    if(name MATCHES "^(torch|ATen|c10)/")
      set(result TRUE)
      break()
    endif()
    foreach(candidate ${PROJECT_SOURCE_DIR}/${name} ${file_dir}/${name})
      if(EXISTS ${candidate} AND NOT IS_DIRECTORY ${candidate})
        dact_includes_torch(${candidate} nested)
        if(nested)
          set(result TRUE)
        endif()
        break()
      endif()
    endforeach()
    if(result)
      break()
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY "dact_torch:${file}" ${result})
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# dact_use_torch(<target>): links LibTorch and gives the target's LibTorch sources the
# PCH; its other sources compile without it. The first target to call it builds the PCH
# (storage/, which every later LibTorch target links, so they all compile with its flags
# and more, as GCC's PCH rules allow).
function(dact_use_torch target)
  target_link_libraries(${target} PUBLIC dact_torch)
  get_property(pch_target GLOBAL PROPERTY dact_pch_target)
  if(pch_target)
    target_precompile_headers(${target} REUSE_FROM ${pch_target})
  else()
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
    set_property(GLOBAL PROPERTY dact_pch_target ${target})
  endif()
  get_target_property(source_dir ${target} SOURCE_DIR)
  get_target_property(sources ${target} SOURCES)
  foreach(source IN LISTS sources)
    get_filename_component(path ${source} ABSOLUTE BASE_DIR ${source_dir})
    dact_includes_torch(${path} uses_torch)
    if(NOT uses_torch)
      set_source_files_properties(${path} TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
endfunction()

# dact_unity(<target>): compiles the target's sources in unity batches, those with the
# PCH and those without apart; sources with their own compile definitions, or marked
# SKIP_UNITY_BUILD_INCLUSION (e.g. one that replaces the global operator new), stay alone.
# The batches are ours, not CMake's UNITY_BUILD: CMake's include each source by its
# absolute path, which differs per clone folder and so defeats ccache's base_dir; ours
# include "folder/file.cpp" through the repository root's include path.
function(dact_unity target)
  if(NOT DACT_UNITY_BATCH GREATER 1)
    return()
  endif()
  get_target_property(source_dir ${target} SOURCE_DIR)
  get_target_property(sources ${target} SOURCES)
  get_target_property(own_pch ${target} PRECOMPILE_HEADERS)
  get_target_property(shared_pch ${target} PRECOMPILE_HEADERS_REUSE_FROM)
  set(with_pch "")
  set(without_pch "")
  foreach(source IN LISTS sources)
    get_filename_component(path ${source} ABSOLUTE BASE_DIR ${source_dir})
    get_source_file_property(definitions ${path} TARGET_DIRECTORY ${target} COMPILE_DEFINITIONS)
    get_source_file_property(skip_pch ${path} TARGET_DIRECTORY ${target} SKIP_PRECOMPILE_HEADERS)
    get_source_file_property(alone ${path} TARGET_DIRECTORY ${target} SKIP_UNITY_BUILD_INCLUSION)
    if(definitions OR alone)
      continue()
    elseif(skip_pch OR NOT (own_pch OR shared_pch))
      list(APPEND without_pch ${path})
    else()
      list(APPEND with_pch ${path})
    endif()
  endforeach()
  dact_unity_batches(${target} torch "${with_pch}" OFF)
  dact_unity_batches(${target} plain "${without_pch}" ON)
endfunction()

# Splits <sources> into batches of DACT_UNITY_BATCH, each one generated translation unit.
function(dact_unity_batches target kind sources skip_pch)
  list(LENGTH sources count)
  if(count LESS 2)
    return()
  endif()
  set(index 0)
  set(first 0)
  while(first LESS count)
    list(SUBLIST sources ${first} ${DACT_UNITY_BATCH} batch)
    set(content "// Generated by cmake/dact_library.cmake: a unity batch of ${target}.\n")
    foreach(path IN LISTS batch)
      file(RELATIVE_PATH relative ${PROJECT_SOURCE_DIR} ${path})
      string(APPEND content "#include \"${relative}\"\n")
    endforeach()
    set(unity_file ${CMAKE_CURRENT_BINARY_DIR}/unity/${target}_${kind}_${index}.cpp)
    file(CONFIGURE OUTPUT ${unity_file} CONTENT "${content}")
    set_source_files_properties(${batch} TARGET_DIRECTORY ${target} PROPERTIES HEADER_FILE_ONLY ON)
    target_sources(${target} PRIVATE ${unity_file})
    if(skip_pch)
      set_source_files_properties(${unity_file} TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
    math(EXPR index "${index} + 1")
    math(EXPR first "${first} + ${DACT_UNITY_BATCH}")
  endwhile()
endfunction()

# Warnings on every target of ours; DACT_WERROR (CI) makes them errors.
function(dact_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra $<$<BOOL:${DACT_WERROR}>:-Werror>)
endfunction()

# dact_add_library(<name> [TORCH] [DEPS <targets>...])
# Builds dact_<name> from every .cpp below the calling folder.
function(dact_add_library name)
  cmake_parse_arguments(ARG "TORCH" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX ".*/main\\.cpp$")
  if(NOT DACT_WITH_CUDA)
    list(FILTER sources EXCLUDE REGEX ".*/cuda/.*")  # CUDA / NCCL code paths
  endif()
  if(NOT sources)
    set(sources ${PROJECT_SOURCE_DIR}/cmake/empty.cpp)
  endif()
  add_library(dact_${name} STATIC ${sources})
  target_include_directories(dact_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(dact_${name} PUBLIC ${ARG_DEPS})
  dact_warnings(dact_${name})
  if(ARG_TORCH)
    dact_use_torch(dact_${name})
  endif()
  dact_unity(dact_${name})
endfunction()
