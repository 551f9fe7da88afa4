#pragma once
// Tensors <-> HDF5 datasets, dtype preserved. HDF5 has no bfloat16, so bfloat16
// is stored as its 16 raw bits (uint16) with the attribute `dtype` = "bfloat16".
// Not thread-safe: Debian's HDF5 is built without thread safety, so callers that
// use HDF5 from several threads must hold hdf5_mutex().
#include <H5Cpp.h>
#include <torch/torch.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace dact::storage {

// One process-wide lock around every HDF5 call made off the main thread.
std::recursive_mutex& hdf5_mutex();

// IEEE binary16 as h5py writes it, so Python tools read it as float16.
H5::FloatType h5_half_type();

// Opens `path` read-only; a missing or non-HDF5 file is a StorageError naming it.
H5::H5File open_h5_for_reading(const std::string& path);

// Reads dataset `name` (a path below `group`) into a contiguous CPU tensor of its
// stored dtype (float16/32/64, bfloat16, int8/16/32/64, uint8, bool).
torch::Tensor read_h5_tensor(const H5::Group& group, const std::string& name);

// Files, groups and datasets made without HDF5's default modification times, so the same
// contents written twice are the same bytes (a resumed run writes some snapshots again).
H5::FileCreatPropList h5_untimed_file_properties();
H5::Group create_h5_group(H5::Group& parent, const std::string& name);

// Writes `tensor` as dataset `name` below `group`; missing parent groups are made.
void write_h5_tensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor);

// Every dataset below `group`, keyed by its path relative to it ("a.b" or "x/y").
// This reads the interchange layout of shared/reference: weights/<state-dict name>.
std::map<std::string, torch::Tensor> read_h5_tensors(const H5::Group& group);

bool h5_has_path(const H5::Group& group, const std::string& name);

// Variable- or fixed-length string attribute of `object`; missing = StorageError.
std::string read_h5_string_attribute(const H5::H5Object& object, const std::string& name);
void write_h5_string_attribute(H5::H5Object& object, const std::string& name,
                               const std::string& value);

// Name of the file `object` lives in, for error messages.
std::string h5_file_name(const H5::H5Object& object);

}  // namespace dact::storage
