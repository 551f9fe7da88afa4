# Every external dependency, found once. All come from Debian packages (see .ci/run);
# an official LibTorch works too via -DCMAKE_PREFIX_PATH=/path/to/libtorch.
find_package(Threads REQUIRED)
find_package(Torch REQUIRED)
find_package(MPI REQUIRED COMPONENTS C)
find_package(HDF5 REQUIRED COMPONENTS C CXX)
find_package(Boost 1.74 REQUIRED)
find_package(glog REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PNG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
find_package(yaml-cpp REQUIRED)

# HDF5's FindHDF5 gives variables, not a target; wrap them once.
add_library(dact_hdf5 INTERFACE)
target_include_directories(dact_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(dact_hdf5 INTERFACE ${HDF5_CXX_LIBRARIES} ${HDF5_C_LIBRARIES})
target_compile_definitions(dact_hdf5 INTERFACE ${HDF5_DEFINITIONS})

# LibTorch's imported target carries flags; the PCH target below reuses them.
add_library(dact_torch INTERFACE)
target_link_libraries(dact_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(dact_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})

if(DACT_WITH_CUDA)
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64 REQUIRED)
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include REQUIRED)
  add_library(dact_nccl INTERFACE)
  target_link_libraries(dact_nccl INTERFACE ${NCCL_LIBRARY} CUDA::cudart)
  target_include_directories(dact_nccl SYSTEM INTERFACE ${NCCL_INCLUDE_DIR})
  target_compile_definitions(dact_nccl INTERFACE DACT_WITH_CUDA=1)
endif()
