#include "launch/held_out_split.h"

#include <glog/logging.h>

#include <filesystem>

#include "storage/shard_manifest.h"

namespace dact::launch {

std::string held_out_dataset_dir(const RunConfig& config) {
  namespace fs = std::filesystem;
  fs::path dataset = fs::absolute(config.dataset.dir).lexically_normal();
  if (!dataset.has_filename()) dataset = dataset.parent_path();  // "data/train/"
  const std::string dir = (dataset.parent_path() / "test").string();
  return storage::is_dataset_dir(dir) ? dir : "";
}

std::string preview_reconstruction_dir(const RunConfig& config) {
  const std::string held_out = held_out_dataset_dir(config);
  if (!held_out.empty()) return held_out;
  LOG(WARNING) << "no held-out split beside " << config.dataset.dir
               << " (a 'test' dataset directory): the preview reconstructs training images";
  return config.dataset.dir;
}

}  // namespace dact::launch
