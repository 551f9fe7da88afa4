#pragma once
// Plain HDF5 files that command lines exchange with other tools (h5py, numpy): a
// "FILE.h5:DATASET" argument naming one dataset, and output files of a few named
// datasets plus string attributes, written atomically.
#include <torch/torch.h>

#include <map>
#include <string>

namespace dact::launch {

struct H5DatasetSpec {
  std::string path;
  std::string dataset;
};

// "FILE.h5:DATASET" (split at the last colon); anything else is std::invalid_argument
// naming `what` (e.g. "--input").
H5DatasetSpec parse_h5_dataset_spec(const std::string& spec, const std::string& what);

// The tensor a spec names; a missing file or dataset is a StorageError naming both.
torch::Tensor read_h5_dataset(const H5DatasetSpec& spec);

// Writes `datasets` and string `attributes` to `path` (temp + fsync + rename).
void write_h5_datasets(const std::string& path, const std::map<std::string, torch::Tensor>& datasets,
                       const std::map<std::string, std::string>& attributes = {});

}  // namespace dact::launch
