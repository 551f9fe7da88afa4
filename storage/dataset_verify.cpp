#include "storage/dataset_verify.h"

#include <filesystem>

#include "storage/checksum.h"
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
      const std::string checksum = xxh64_hex_of_file(path);
      if (checksum != shard.xxh64) {
        throw StorageError(path, "xxh64 checksum " + checksum + " does not match the manifest's " +
                                     shard.xxh64 + " (the file is corrupt)");
      }
      inspect_shard_file(path, report.manifest, shard);
    } catch (const StorageError& e) {
      report.problems.push_back(e.what());
    }
  }
  return report;
}

}  // namespace dact::storage
