#pragma once
// What the latent tests share: a tiny KL autoencoder with random weights written in
// tools/export_state_dict.py's layout, and small pixel datasets to encode.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "models/autoencoder/kl_autoencoder.h"
#include "models/latent/autoencoder_weights.h"
#include "models/state_dict.h"
#include "storage/shard_dataset.h"
#include "storage/shard_writer.h"

namespace dact::testing {

// 1-channel images of `resolution` -> 4 latent channels at resolution / 4 (the
// smallest network GroupNorm(32) allows: 32 channels, three levels).
inline nlohmann::json tiny_autoencoder_config(int64_t resolution) {
  return {{"ch", 32},         {"ch_mult", {1, 1, 1}}, {"num_res_blocks", 1},
          {"attn_resolutions", nlohmann::json::array()}, {"resolution", resolution},
          {"in_channels", 1}, {"out_ch", 1}, {"z_channels", 4}, {"embed_dim", 4}};
}

// Random weights from torch seed `seed`, as export_state_dict.py writes them
// (attributes architecture and config, tensors weights/<name>).
inline void write_tiny_autoencoder(const std::string& path, uint64_t seed, int64_t resolution) {
  const nlohmann::json config = tiny_autoencoder_config(resolution);
  models::autoencoder::KlAutoencoderConfig arguments;
  config::ConfigReader reader(config, "");
  models::autoencoder::read_kl_autoencoder_arguments(reader, arguments);
  torch::manual_seed(seed);
  models::autoencoder::KlAutoencoder model(arguments);
  models::latent::write_autoencoder_weights(path, config, models::state_dict(*model));
}

// `count` random 1-channel images [resolution x resolution], shards of `shard_size`,
// labels i mod 10.
inline void write_random_pixel_dataset(const std::string& dir, int64_t count, int64_t shard_size,
                                       int64_t resolution, uint64_t seed) {
  storage::ShardWriterOptions options;
  options.sample_shape = {1, resolution, resolution};
  options.resolution = resolution;
  options.shard_size = shard_size;
  for (int c = 0; c < 10; ++c) options.class_names.push_back(std::to_string(c));
  storage::ShardWriter writer(dir, options);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::Tensor images =
      torch::randint(0, 256, {count, 1, resolution, resolution}, generator, torch::kInt64).to(torch::kUInt8);
  writer.add(images, torch::arange(count) % 10);
  writer.finish();
}

// The first `count` samples of `source` as a dataset of their own (shards of `shard_size`).
inline void write_dataset_prefix(const std::string& source, const std::string& dir, int64_t count, int64_t shard_size) {
  const storage::ShardDataset dataset(source);
  std::vector<int64_t> indices(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) indices[static_cast<size_t>(i)] = i;
  const storage::SampleBatch batch = dataset.read(indices);
  storage::ShardWriterOptions options;
  options.sample_shape = dataset.manifest().sample_shape;
  options.resolution = dataset.manifest().resolution;
  options.class_names = dataset.manifest().class_names;
  options.shard_size = shard_size;
  storage::ShardWriter writer(dir, options);
  writer.add(batch.samples, batch.labels);
  writer.finish();
}

}  // namespace dact::testing
