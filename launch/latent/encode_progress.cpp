#include "launch/latent/encode_progress.h"

#include <filesystem>
#include <fstream>

#include "storage/atomic_file.h"
#include "storage/storage_error.h"

namespace dact::launch {

void LatentMomentSums::add(const LatentMomentSums& other) {
  if (mean.empty()) {
    mean.assign(other.mean.size(), 0.0);
    second_moment.assign(other.second_moment.size(), 0.0);
  }
  values += other.values;
  for (size_t c = 0; c < mean.size(); ++c) {
    mean[c] += other.mean.at(c);
    second_moment[c] += other.second_moment.at(c);
  }
}

std::string encode_progress_path(const std::string& dest) {
  return (std::filesystem::path(dest) / "encode-progress.json").string();
}

EncodeProgress read_encode_progress(const std::string& dest) {
  EncodeProgress progress;
  const std::string path = encode_progress_path(dest);
  if (!std::filesystem::exists(path)) return progress;
  std::ifstream in(path);
  try {
    const nlohmann::json json = nlohmann::json::parse(in);
    progress.settings = json.at("settings");
    for (const nlohmann::json& shard : json.at("shards")) {
      EncodedShard encoded;
      encoded.entry.file = shard.at("file").get<std::string>();
      encoded.entry.count = shard.at("count").get<int64_t>();
      encoded.entry.first_index = shard.at("first_index").get<int64_t>();
      encoded.entry.xxh64 = shard.at("xxh64").get<std::string>();
      encoded.sums.values = shard.at("values").get<double>();
      encoded.sums.mean = shard.at("mean_sum").get<std::vector<double>>();
      encoded.sums.second_moment = shard.at("second_moment_sum").get<std::vector<double>>();
      progress.shards.push_back(std::move(encoded));
    }
  } catch (const nlohmann::json::exception& e) {
    throw storage::StorageError(path, std::string("unreadable encode progress (delete it to start over): ") + e.what());
  }
  return progress;
}

void write_encode_progress(const std::string& dest, const EncodeProgress& progress) {
  nlohmann::json shards = nlohmann::json::array();
  for (const EncodedShard& shard : progress.shards) {
    // nlohmann writes doubles with round-trip precision, so resumed sums are exact.
    shards.push_back({{"file", shard.entry.file},
                      {"count", shard.entry.count},
                      {"first_index", shard.entry.first_index},
                      {"xxh64", shard.entry.xxh64},
                      {"values", shard.sums.values},
                      {"mean_sum", shard.sums.mean},
                      {"second_moment_sum", shard.sums.second_moment}});
  }
  const nlohmann::json json = {{"settings", progress.settings}, {"shards", shards}};
  storage::write_file_atomically(encode_progress_path(dest), json.dump(1) + "\n");
}

}  // namespace dact::launch
