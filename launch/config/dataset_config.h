#pragma once
// The `dataset` section of a run config: where the shards are, how `dact train` makes
// them when they are missing (convert_from: pixels from IDX files, an image tree or a
// ZIP; encode_from: latents from a pixel dataset and a KL autoencoder, trained first
// when needed), and whether the run trains on latents.
#include <optional>
#include <string>
#include <vector>

#include "config/config_reader.h"

namespace dact::launch {

// `dataset.latent`: present = a latent run (dataset.dir holds `dact dataset encode`
// shards); the loader draws z from the stored posterior and maps it to model space with
// EDM2's per-channel scaling (models/latent/latent_scaling.h). Each list holds one value
// per latent channel, or one value for all. Being outside `run`/`eval`, every key is
// part of the training hash; raw_mean/raw_std default to the manifest's statistics and
// are written into RUN/config.json at the first start, so a re-encoded dataset cannot
// change a run silently.
struct LatentDatasetConfig {
  std::vector<double> raw_mean;  // empty = latent.statistics.mean of the manifest
  std::vector<double> raw_std;   // empty = latent.statistics.std of the manifest
  std::vector<double> final_mean{0.0};
  std::vector<double> final_std{0.5};  // EDM2's encode_latents default (the U-Net's sigma_data)
  std::string autoencoder;  // decoder weights; "" = the manifest's latent.autoencoder.path
  bool flip = true;         // draw from the mirrored moments half of the time when stored
};

// `dataset.encode_from.autoencoder_run`: a kl-autoencoder run that `dact train` trains
// (or resumes) when the autoencoder weights file is missing; its final EMA track
// (the one its eval.ema_std / eval.ema names) becomes that file.
struct AutoencoderRunConfig {
  std::string preset;                  // a preset in configs/, or
  std::string config;                  // a config file (exactly one of the two)
  std::string run_dir;                 // where it trains
  std::vector<std::string> overrides;  // "a.b=value", from the object `set`
};

// `dataset.encode_from`: when dataset.dir holds no manifest, `dact train` encodes
// `source` into it with the autoencoder weights file (as `dact dataset encode`),
// first training them with `autoencoder_run` when the file is missing
// (launch/latent/encoded_dataset_stages.h).
struct EncodeFromConfig {
  std::string source;       // a pixel shard dataset
  std::string autoencoder;  // weights file (tools/export_state_dict.py layout)
  std::optional<AutoencoderRunConfig> autoencoder_run;  // absent: the file must exist
  bool flip = false;             // also store the mirrored images' posteriors
  std::string dtype = "float32";  // of the stored moments: float16 or float32
  int64_t batch = 32;            // images encoded at once
  int64_t max_shards = 0;        // encode the first K shards of `source`; 0 = all
};

struct DatasetConfig {
  std::string dir = "data/fashion-mnist-32/train";  // a shard dataset (manifest.json)
  // When `dir` has no manifest, `dact train` converts this source first (IDX files or
  // a class-per-folder image tree); empty = the dataset must exist.
  std::string convert_from;
  int64_t resolution = 32;
  std::optional<EncodeFromConfig> encode_from;  // the other way to make `dir`
  std::optional<LatentDatasetConfig> latent;    // absent = a pixel run
};

// Reads the `dataset` section; every key is checked, errors name it.
void read_dataset(config::ConfigReader reader, DatasetConfig& config);

}  // namespace dact::launch
