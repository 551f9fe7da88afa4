#include "launch/commands/dataset_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "launch/latent/dataset_encode.h"
#include "models/latent/autoencoder_weights.h"
#include "storage/dataset_convert.h"
#include "storage/dataset_verify.h"
#include "storage/image_sources/image_transform.h"
#include "storage/latent_manifest.h"
#include "storage/shard_manifest.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

struct ConvertArguments {
  std::string source;
  std::string dest;
  storage::ConvertOptions options;
};

void run_convert(const ConvertArguments& arguments) {
  for (const storage::ConvertedDataset& converted :
       storage::convert_dataset(arguments.source, arguments.dest, arguments.options)) {
    const storage::ShardManifest& manifest = converted.manifest;
    std::cout << fmt::format("{}: {} {} [{}] {} in {} shards, {} classes\n", converted.dir,
                             manifest.total_count, manifest.sample_key,
                             fmt::join(manifest.sample_shape, ", "), manifest.dtype,
                             manifest.shards.size(), manifest.class_names.size());
  }
}

struct EncodeArguments {
  std::string source;
  std::string dest;
  std::string autoencoder_config;  // a JSON file or a preset name; empty = the weights file's
  std::string dtype = "float32";
  EncodeOptions options;
};

void run_encode(EncodeArguments arguments) {
  if (!arguments.autoencoder_config.empty()) {
    arguments.options.autoencoder_config = models::latent::autoencoder_config_argument(arguments.autoencoder_config);
  }
  arguments.options.dtype = arguments.dtype == "float16" ? torch::kFloat16 : torch::kFloat32;
  const storage::ShardManifest manifest =
      encode_dataset(arguments.source, arguments.dest, arguments.options,
                     [](const std::string& line) { std::cerr << line << std::endl; });
  const nlohmann::json& statistics = manifest.latent.at("statistics");
  std::cout << fmt::format("{}: {} latents [{}] {} in {} shards; z per channel: mean [{:.4g}], std [{:.4g}]\n",
                           arguments.dest, manifest.total_count, fmt::join(manifest.sample_shape, ", "),
                           manifest.dtype, manifest.shards.size(),
                           fmt::join(statistics.at("mean").get<std::vector<double>>(), ", "),
                           fmt::join(statistics.at("std").get<std::vector<double>>(), ", "));
}

void run_verify(const std::string& dir) {
  size_t problem_count = 0;
  std::string first_problem;
  for (const std::string& dataset_dir : storage::find_dataset_dirs(dir)) {
    const storage::VerifyReport report = storage::verify_dataset(dataset_dir);
    for (const std::string& problem : report.problems) std::cerr << problem << "\n";
    if (report.ok()) {
      std::cout << fmt::format("{}: ok ({} shards, {} samples)\n", dataset_dir,
                               report.manifest.shards.size(), report.manifest.total_count);
    } else if (problem_count == 0) {
      first_problem = report.problems.front();
    }
    problem_count += report.problems.size();
  }
  if (problem_count > 0) {
    throw storage::StorageError(
        dir, fmt::format("verification failed with {} problem(s), first: {}", problem_count,
                         first_problem));
  }
}

void print_info(const std::string& dir) {
  for (const std::string& dataset_dir : storage::find_dataset_dirs(dir)) {
    const storage::ShardManifest manifest = storage::read_manifest(dataset_dir);
    std::cout << fmt::format(
        "{}\n  samples:    {} {} [{}] {} ({} bytes each)\n  resolution: {}\n"
        "  classes:    {}: {}\n  chunks:     {} samples\n  shards:     {}\n",
        dataset_dir, manifest.total_count, manifest.sample_key,
        fmt::join(manifest.sample_shape, ", "), manifest.dtype, manifest.sample_bytes(),
        manifest.resolution, manifest.class_names.size(), fmt::join(manifest.class_names, ", "),
        manifest.chunk_samples, manifest.shards.size());
    if (!manifest.latent.is_null()) {
      const storage::LatentShardInfo latent =
          storage::latent_info(manifest, (fs::path(dataset_dir) / storage::kManifestFileName).string());
      std::cout << fmt::format("  latents:    {} channels, moments {}\n  encoder:    {} (weights {})\n",
                               latent.channels, fmt::join(latent.moments, ", "), latent.autoencoder.path,
                               latent.autoencoder.fingerprint);
      if (latent.statistics) {
        std::cout << fmt::format("  z mean:     [{:.4g}]\n  z std:      [{:.4g}]\n",
                                 fmt::join(latent.statistics->mean, ", "), fmt::join(latent.statistics->std, ", "));
      }
    }
    for (const storage::ShardEntry& shard : manifest.shards) {
      const fs::path path = fs::path(dataset_dir) / shard.file;
      const std::string size =
          fs::exists(path) ? fmt::format("{:.1f} MiB", fs::file_size(path) / 1048576.0) : "missing";
      std::cout << fmt::format("    {}  {:>8} samples  [{}, {})  xxh64 {}  {}\n", shard.file,
                               shard.count, shard.first_index, shard.first_index + shard.count,
                               shard.xxh64, size);
    }
  }
}

}  // namespace

void add_dataset_commands(CLI::App& app) {
  CLI::App* dataset = app.add_subcommand("dataset", "Convert, verify and inspect shard datasets");
  dataset->require_subcommand(1);

  auto convert_arguments = std::make_shared<ConvertArguments>();
  CLI::App* convert = dataset->add_subcommand(
      "convert",
      "Convert IDX files (train/test -> DEST/train, DEST/test), a folder of PNG/JPEG images "
      "with one subfolder per class (ImageNet's train/) or EDM's dataset ZIP (-> DEST) into "
      "HDF5 shards + manifest.json");
  convert
      ->add_option("--source", convert_arguments->source,
                   "IDX folder, image folder (ROOT/<class>/<image>) or EDM dataset .zip")
      ->required()
      ->check(CLI::ExistingPath);
  convert->add_option("--dest", convert_arguments->dest, "output directory")->required();
  convert->add_option("--resolution", convert_arguments->options.resolution,
                      "square size in pixels (default: keep the source's; IDX: larger "
                      "zero-pads)");
  convert
      ->add_option("--transform", convert_arguments->options.transform,
                   "image sources: how an image becomes RESOLUTION x RESOLUTION (center-crop "
                   "and center-crop-dhariwal are EDM2 dataset_tool.py's)")
      ->check(CLI::IsMember(storage::image_transform_names()))
      ->capture_default_str();
  convert
      ->add_option("--shard-size", convert_arguments->options.shard_size, "samples per shard file")
      ->capture_default_str();
  convert->add_option("--split", convert_arguments->options.split, "IDX split: train, test, all")
      ->check(CLI::IsMember({"train", "test", "all"}))
      ->capture_default_str();
  convert->callback([convert_arguments] { run_convert(*convert_arguments); });

  auto encode_arguments = std::make_shared<EncodeArguments>();
  CLI::App* encode = dataset->add_subcommand(
      "encode",
      "Encode a pixel shard dataset with a KL autoencoder into latent shards (posterior mean and logvar per "
      "image) + manifest.json with the autoencoder's fingerprint and per-channel latent statistics; an "
      "interrupted encode continues where it stopped when run again");
  encode->add_option("--autoencoder", encode_arguments->options.autoencoder,
                     "autoencoder weights (tools/export_state_dict.py --architecture kl-autoencoder)")
      ->required()
      ->check(CLI::ExistingFile);
  encode->add_option("--autoencoder-config", encode_arguments->autoencoder_config,
                     "its constructor arguments: a JSON file or a preset (mar-kl16, sd-vae); default: the "
                     "weights file's own `config`");
  encode->add_option("--source", encode_arguments->source, "pixel dataset directory (manifest.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  encode->add_option("--dest", encode_arguments->dest, "output directory")->required();
  encode->add_flag("--flip", encode_arguments->options.flip,
                   "also store the posterior of each horizontally mirrored image (training picks one of "
                   "the two at random)");
  encode->add_option("--batch", encode_arguments->options.batch, "images encoded at once")->capture_default_str();
  encode->add_option("--max-shards", encode_arguments->options.max_shards,
                     "encode only the first K shards of the source (0 = all)")
      ->capture_default_str();
  encode->add_option("--dtype", encode_arguments->dtype, "stored moments: float16 or float32")
      ->check(CLI::IsMember({"float16", "float32"}))
      ->capture_default_str();
  encode->callback([encode_arguments] { run_encode(*encode_arguments); });

  auto verify_dir = std::make_shared<std::string>();
  CLI::App* verify = dataset->add_subcommand(
      "verify", "Check every shard's checksum, dtype, shape and count against the manifest");
  verify->add_option("dir", *verify_dir, "dataset directory (or a parent of several)")->required();
  verify->callback([verify_dir] { run_verify(*verify_dir); });

  auto info_dir = std::make_shared<std::string>();
  CLI::App* info = dataset->add_subcommand("info", "Print counts, classes, shape and shards");
  info->add_option("dir", *info_dir, "dataset directory (or a parent of several)")->required();
  info->callback([info_dir] { print_info(*info_dir); });
}

}  // namespace dact::launch
