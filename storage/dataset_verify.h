#pragma once
// `dact dataset verify`: the full check of a dataset directory against its
// manifest, reporting every bad shard (ShardDataset makes the same checks when it
// opens, but stops at the first).
#include <string>
#include <vector>

#include "storage/shard_manifest.h"

namespace dact::storage {

struct VerifyReport {
  std::string dataset_dir;
  ShardManifest manifest;
  // One line per problem, "<shard path>: <what is wrong>"; empty when all is well.
  std::vector<std::string> problems;

  bool ok() const { return problems.empty(); }
};

// For every shard: the file exists, its xxHash64 matches, and its HDF5 datasets
// have the manifest's dtype, shape and chunking (inspect_shard_file). Every shard
// is checked even after a failure. An unreadable manifest is a StorageError.
VerifyReport verify_dataset(const std::string& dataset_dir);

}  // namespace dact::storage
