#include "launch/latent/dataset_encode.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <numeric>

#include "launch/latent/encode_progress.h"
#include "models/latent/autoencoder_weights.h"
#include "models/pixel_range.h"
#include "storage/checksum.h"
#include "storage/latent_manifest.h"
#include "storage/shard_dataset.h"
#include "storage/shard_file.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Chunks of ~256 KiB, as ShardWriter makes them.
constexpr int64_t kLatentChunkTargetBytes = 256 * 1024;

std::string dtype_label(torch::Dtype dtype) {
  if (dtype == torch::kFloat16) return "float16";
  if (dtype == torch::kFloat32) return "float32";
  throw std::invalid_argument("latent moments are stored as float16 or float32");
}

// Sums of one batch of stored moments [B, G * C, h, w] (G = 2 or 4 groups).
LatentMomentSums moment_sums(const torch::Tensor& stored, int64_t channels) {
  const torch::Tensor values = stored.to(torch::kFloat64);
  const int64_t pairs = values.size(1) / channels / 2;  // (mean, logvar), mirrored (mean, logvar)
  LatentMomentSums sums;
  sums.mean.assign(static_cast<size_t>(channels), 0.0);
  sums.second_moment.assign(static_cast<size_t>(channels), 0.0);
  for (int64_t g = 0; g < pairs; ++g) {
    const torch::Tensor mean = values.slice(1, 2 * g * channels, (2 * g + 1) * channels);
    const torch::Tensor logvar = values.slice(1, (2 * g + 1) * channels, (2 * g + 2) * channels);
    const torch::Tensor mean_sum = mean.sum({0, 2, 3});
    const torch::Tensor second_sum = (mean.square() + logvar.exp()).sum({0, 2, 3});
    for (int64_t c = 0; c < channels; ++c) {
      sums.mean[c] += mean_sum[c].item<double>();
      sums.second_moment[c] += second_sum[c].item<double>();
    }
    sums.values += static_cast<double>(mean.size(0) * mean.size(2) * mean.size(3));
  }
  return sums;
}

storage::LatentChannelStatistics finish_statistics(const LatentMomentSums& sums) {
  storage::LatentChannelStatistics stats;
  for (size_t c = 0; c < sums.mean.size(); ++c) {
    const double mean = sums.mean[c] / sums.values;
    stats.mean.push_back(mean);
    stats.std.push_back(std::sqrt(std::max(0.0, sums.second_moment[c] / sums.values - mean * mean)));
  }
  return stats;
}

// The first setting in which `recorded` and `wanted` differ, or "".
std::string first_difference(const nlohmann::json& recorded, const nlohmann::json& wanted) {
  for (const auto& item : wanted.items()) {
    if (!recorded.contains(item.key()) || recorded.at(item.key()) != item.value()) return item.key();
  }
  return "";
}

// The recorded shards that still verify, in order (a damaged one and every later one
// are encoded again).
std::vector<EncodedShard> verified_prefix(const std::string& dest, const std::vector<EncodedShard>& shards) {
  std::vector<EncodedShard> kept;
  for (const EncodedShard& shard : shards) {
    const std::string path = (fs::path(dest) / shard.entry.file).string();
    if (!fs::exists(path) || storage::xxh64_hex_of_file(path) != shard.entry.xxh64) break;
    kept.push_back(shard);
  }
  return kept;
}

class EncodeRateLine {
 public:
  EncodeRateLine(int64_t total, int64_t done_before, EncodeProgressSink sink)
      : total_(total), done_before_(done_before), sink_(std::move(sink)), start_(Clock::now()), last_(start_) {}

  void update(int64_t done, bool force) {
    const auto now = Clock::now();
    if (!sink_ || (!force && now - last_ < std::chrono::seconds(5))) return;
    last_ = now;
    const double elapsed_s = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed_s > 0 ? (done - done_before_) / elapsed_s : 0.0;
    const double eta_s = rate > 0 ? (total_ - done) / rate : 0.0;
    sink_(fmt::format("encode: {}/{} images, {:.1f} images/s, ETA {:.0f} s", done, total_, rate, eta_s));
  }

 private:
  int64_t total_, done_before_;
  EncodeProgressSink sink_;
  Clock::time_point start_, last_;
};

}  // namespace

storage::ShardManifest encode_dataset(const std::string& source, const std::string& dest,
                                      const EncodeOptions& options, const EncodeProgressSink& progress) {
  if (options.batch < 1) throw std::invalid_argument("--batch must be >= 1");
  if (storage::is_dataset_dir(dest)) {
    throw storage::StorageError(dest, std::string("already holds a dataset (") + storage::kManifestFileName +
                                          "); remove it first");
  }
  if (options.max_shards < 0) throw std::invalid_argument("--max-shards must be >= 0 (0 = every shard)");
  const storage::ShardDataset pixels(source);
  storage::ShardManifest input = pixels.manifest();
  if (options.max_shards > 0 && options.max_shards < static_cast<int64_t>(input.shards.size())) {
    input.shards.resize(static_cast<size_t>(options.max_shards));
    input.total_count = input.shards.back().first_index + input.shards.back().count;
  }
  if (input.sample_key != "images") {
    throw storage::StorageError(source, "holds '" + input.sample_key + "', not pixel images (key 'sample_key')");
  }
  models::latent::LoadedAutoencoder autoencoder =
      models::latent::load_autoencoder_weights(options.autoencoder, options.autoencoder_config);
  const auto& ae_config = autoencoder.model->config();
  const int64_t image_channels = input.sample_shape[0], image_size = input.sample_shape[1];
  const int64_t factor = ae_config.downsampling_factor();
  if (ae_config.in_channels != image_channels || image_size % factor != 0 || input.sample_shape[2] != image_size) {
    throw std::invalid_argument(fmt::format(
        "{}: images [{}] do not fit the autoencoder {} (in_channels {}, downsampling x{}, square images)", source,
        fmt::join(input.sample_shape, ", "), options.autoencoder, ae_config.in_channels, factor));
  }
  const int64_t channels = ae_config.embed_dim, latent_size = image_size / factor;
  const std::vector<std::string> moments = storage::latent_moment_names(options.flip);
  const int64_t groups = static_cast<int64_t>(moments.size());

  storage::ShardManifest manifest;
  manifest.sample_key = storage::kLatentSampleKey;
  manifest.dtype = dtype_label(options.dtype);
  manifest.sample_shape = {groups * channels, latent_size, latent_size};
  manifest.resolution = input.resolution;
  manifest.class_names = input.class_names;
  const int64_t shard_size = input.shards.front().count;
  manifest.chunk_samples =
      std::max<int64_t>(1, std::min(shard_size, kLatentChunkTargetBytes / manifest.sample_bytes()));

  // Everything the shard bytes depend on: a resume under other settings would mix.
  const nlohmann::json settings = {{"source", fs::absolute(source).lexically_normal().string()},
                                   {"source_shards", manifest_to_json(input).at("shards")},
                                   {"autoencoder_fingerprint", autoencoder.fingerprint},
                                   {"autoencoder_config", autoencoder.config},
                                   {"flip", options.flip},
                                   {"dtype", manifest.dtype},
                                   {"batch", options.batch}};
  fs::create_directories(dest);
  EncodeProgress record = read_encode_progress(dest);
  if (record.settings.is_null()) {
    if (!fs::is_empty(dest)) {
      throw storage::StorageError(dest, "is not empty and holds no unfinished encode (encode-progress.json)");
    }
  } else {
    const std::string differs = first_difference(record.settings, settings);
    if (!differs.empty()) {
      throw storage::StorageError(encode_progress_path(dest),
                                  "an unfinished encode with another '" + differs +
                                      "' (run it with the same settings, or delete " + dest + " to start over)");
    }
    record.shards = verified_prefix(dest, record.shards);
    if (progress) progress(fmt::format("encode: resuming {} after {} complete shard(s)", dest, record.shards.size()));
  }
  record.settings = settings;

  torch::NoGradGuard no_grad;
  const auto encode_group = [&autoencoder](const torch::Tensor& images) {
    const models::autoencoder::KlPosterior posterior = autoencoder.model->encode(images);
    return std::vector<torch::Tensor>{posterior.mean, posterior.logvar};
  };
  int64_t done = 0;
  for (const EncodedShard& shard : record.shards) done += shard.entry.count;
  EncodeRateLine rate(input.total_count, done, progress);
  for (size_t k = record.shards.size(); k < input.shards.size(); ++k) {
    const storage::ShardEntry& pixel_shard = input.shards[k];
    std::vector<torch::Tensor> samples, labels;
    for (int64_t begin = 0; begin < pixel_shard.count; begin += options.batch) {
      std::vector<int64_t> indices(static_cast<size_t>(std::min(options.batch, pixel_shard.count - begin)));
      std::iota(indices.begin(), indices.end(), pixel_shard.first_index + begin);
      const storage::SampleBatch batch = pixels.read(indices);
      const torch::Tensor images = models::pixels_to_model_space(batch.samples);
      std::vector<torch::Tensor> parts = encode_group(images);
      if (options.flip) {
        const std::vector<torch::Tensor> mirrored = encode_group(images.flip({3}));
        parts.insert(parts.end(), mirrored.begin(), mirrored.end());
      }
      samples.push_back(torch::cat(parts, 1).to(options.dtype).contiguous());
      labels.push_back(batch.labels);
      rate.update(done + begin + static_cast<int64_t>(indices.size()), false);
    }
    const torch::Tensor shard_samples = torch::cat(samples);
    EncodedShard encoded;
    encoded.entry.file = fmt::format("shard-{:05d}.h5", k);
    encoded.entry.count = pixel_shard.count;
    encoded.entry.first_index = pixel_shard.first_index;
    encoded.entry.xxh64 = storage::write_shard_file((fs::path(dest) / encoded.entry.file).string(),
                                                    storage::kLatentSampleKey, shard_samples, torch::cat(labels),
                                                    manifest.chunk_samples);
    encoded.sums = moment_sums(shard_samples, channels);
    record.shards.push_back(std::move(encoded));
    write_encode_progress(dest, record);
    done += pixel_shard.count;
    rate.update(done, k + 1 == input.shards.size());
  }

  LatentMomentSums total;
  for (const EncodedShard& shard : record.shards) {
    manifest.shards.push_back(shard.entry);
    manifest.total_count += shard.entry.count;
    total.add(shard.sums);
  }
  storage::LatentShardInfo info;
  info.channels = channels;
  info.moments = moments;
  info.autoencoder = {fs::absolute(options.autoencoder).lexically_normal().string(), autoencoder.fingerprint,
                      autoencoder.config};
  info.statistics = finish_statistics(total);
  info.source = {settings.at("source").get<std::string>(), image_channels, image_size};
  manifest.latent = storage::latent_info_to_json(info);
  storage::write_manifest(dest, manifest);
  fs::remove(encode_progress_path(dest));
  return manifest;
}

}  // namespace dact::launch
