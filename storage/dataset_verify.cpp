#include "storage/dataset_verify.h"

#include <filesystem>

#include "storage/shard_file.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace fs = std::filesystem;

VerifyReport verify_dataset(const std::string& dataset_dir) {
  VerifyReport report;
  report.dataset_dir = dataset_dir;
  report.manifest = read_manifest(dataset_dir);
  for (const ShardEntry& shard : report.manifest.shards) {
    const std::string path = (fs::path(dataset_dir) / shard.file).string();
    try {
      if (!fs::is_regular_file(path)) throw StorageError(path, "missing shard file");
      verify_shard_checksum(path, shard);
      inspect_shard_file(path, report.manifest, shard);
    } catch (const StorageError& e) {
      report.problems.push_back(e.what());
    }
  }
  return report;
}

}  // namespace dact::storage
