#include "launch/commands/h5_dataset_file.h"

#include <stdexcept>

#include "storage/atomic_file.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::launch {

H5DatasetSpec parse_h5_dataset_spec(const std::string& spec, const std::string& what) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    throw std::invalid_argument(what + " '" + spec + "': expected FILE.h5:DATASET");
  }
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

torch::Tensor read_h5_dataset(const H5DatasetSpec& spec) {
  const H5::H5File file = storage::open_h5_for_reading(spec.path);
  if (!storage::h5_has_path(file, spec.dataset)) {
    throw storage::StorageError(spec.path, "no dataset '" + spec.dataset + "'");
  }
  return storage::read_h5_tensor(file, spec.dataset);
}

void write_h5_datasets(const std::string& path, const std::map<std::string, torch::Tensor>& datasets,
                       const std::map<std::string, std::string>& attributes) {
  storage::AtomicFile atomic(path);
  try {
    H5::H5File file(atomic.temp_path(), H5F_ACC_TRUNC);
    for (const auto& [name, tensor] : datasets) storage::write_h5_tensor(file, name, tensor.contiguous());
    for (const auto& [name, value] : attributes) storage::write_h5_string_attribute(file, name, value);
  } catch (const H5::Exception& e) {
    throw storage::StorageError(path, "cannot write: " + e.getDetailMsg());
  }
  atomic.commit();
}

}  // namespace dact::launch
