#include "launch/commands/features_command.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "launch/commands/h5_dataset_file.h"
#include "launch/config/config_document.h"
#include "launch/config/run_config.h"
#include "launch/run_setup.h"
#include "models/features/fashion_classifier_training.h"
#include "models/features/feature_network.h"
#include "storage/shard_dataset.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;
namespace features = models::features;

struct ExtractArguments {
  std::string net;
  std::string weights;
  std::string input;
  std::string out;
  std::string preprocess;
  int64_t batch = 64;
};

// The architecture part of FeatureNetwork::name() ("inception-v3/tf1@..." -> "inception-v3").
std::string architecture_of(const std::string& name) { return name.substr(0, name.find_first_of("/@")); }

void run_extract(const ExtractArguments& arguments) {
  if (arguments.net != "inception-v3" && arguments.net != "fashion-classifier") {
    throw std::invalid_argument("--net '" + arguments.net + "': expected inception-v3 or fashion-classifier");
  }
  if (!arguments.preprocess.empty() && arguments.net != "inception-v3") {
    throw std::invalid_argument("--preprocess applies to --net inception-v3 only");
  }
  if (arguments.batch < 1) throw std::invalid_argument("--batch must be >= 1");
  const H5DatasetSpec input = parse_h5_dataset_spec(arguments.input, "--input");
  features::FeatureNetworkOptions options;
  options.inception_preprocess = arguments.preprocess;
  const auto net = features::load_feature_network(arguments.weights, options);
  if (architecture_of(net->name()) != arguments.net) {
    throw storage::StorageError(arguments.weights, "holds a " + architecture_of(net->name()) +
                                                       " network, not the --net " + arguments.net);
  }
  const torch::Tensor images = read_h5_dataset(input);
  if (images.dim() != 4 || images.scalar_type() != torch::kUInt8) {
    throw storage::StorageError(input.path, "dataset '" + input.dataset + "': expected uint8 images [N, C, H, W], got " +
                                                std::string(c10::toString(images.scalar_type())) + " " +
                                                c10::str(images.sizes()));
  }
  std::vector<torch::Tensor> rows;
  for (int64_t begin = 0; begin < images.size(0); begin += arguments.batch) {
    rows.push_back(net->features(images.slice(0, begin, std::min(begin + arguments.batch, images.size(0)))));
  }
  const torch::Tensor out = rows.empty() ? torch::empty({0, net->dim()}) : torch::cat(rows);
  write_h5_datasets(arguments.out, {{"features", out}}, {{"feature_net", net->name()}});
  std::cout << fmt::format("{}:features [{}, {}] ({})\n", arguments.out, out.size(0), out.size(1), net->name());
}

struct TrainArguments {
  std::string dataset;
  std::string out;
  features::ClassifierTrainingOptions options;
  int threads = 2;
  int64_t max_train = 0;  // 0 = all
  int64_t max_test = 0;
};

// The first `max` (0 = all) samples of a dataset split as uint8 images and labels.
features::LabelledImages read_split(const std::string& dir, int64_t max) {
  const storage::ShardDataset dataset(dir);
  if (dataset.manifest().dtype != "uint8") {
    throw storage::StorageError(dir, "the classifier trains on uint8 images, this dataset holds " +
                                         dataset.manifest().dtype + " " + dataset.manifest().sample_key);
  }
  const int64_t n = max > 0 ? std::min(max, dataset.size()) : dataset.size();
  std::vector<int64_t> indices(n);
  std::iota(indices.begin(), indices.end(), 0);
  storage::SampleBatch batch = dataset.read(indices);
  return {batch.samples, batch.labels};
}

// --dataset, or the default preset's dataset root (converted on first use).
std::string dataset_root(const std::string& given) {
  if (!given.empty()) return given;
  const RunConfig config = parse_run_config(load_preset("fashion-mnist"));
  ensure_dataset(config);
  return fs::path(config.dataset.dir).parent_path().string();
}

void run_train(const TrainArguments& arguments) {
  torch::set_num_threads(arguments.threads);
  const std::string root = dataset_root(arguments.dataset);
  for (const char* split : {"train", "test"}) {
    if (!storage::is_dataset_dir((fs::path(root) / split).string())) {
      throw storage::StorageError(root, std::string("no '") + split +
                                            "' dataset inside (expected a `dact dataset convert` output of an IDX source)");
    }
  }
  const features::LabelledImages train = read_split((fs::path(root) / "train").string(), arguments.max_train);
  const features::LabelledImages test = read_split((fs::path(root) / "test").string(), arguments.max_test);
  const int64_t classes =
      static_cast<int64_t>(storage::read_manifest((fs::path(root) / "train").string()).class_names.size());
  const auto start = std::chrono::steady_clock::now();
  features::FashionClassifier net = features::train_fashion_classifier(
      train, classes, arguments.options, [](const std::string& line) { std::cout << line << std::endl; });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double accuracy = features::classifier_accuracy(net, test);
  features::write_fashion_classifier(
      arguments.out, net,
      {{"dataset", root},
       {"train_samples", train.images.size(0)},
       {"test_samples", test.images.size(0)},
       {"test_accuracy", accuracy},
       {"training", {{"epochs", arguments.options.epochs}, {"batch", arguments.options.batch},
                     {"learning_rate", arguments.options.learning_rate}, {"seed", arguments.options.seed},
                     {"threads", arguments.threads}, {"seconds", seconds}}}});
  std::cout << fmt::format("{{\"test_accuracy\": {:.4f}, \"test_samples\": {}, \"train_samples\": {}, "
                           "\"train_seconds\": {:.1f}, \"out\": \"{}\"}}\n",
                           accuracy, test.images.size(0), train.images.size(0), seconds, arguments.out);
}

}  // namespace

void add_features_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand("features", "Feature networks for FD, KID and precision/recall");
  group->require_subcommand(1);

  auto extract = std::make_shared<ExtractArguments>();
  CLI::App* extract_command =
      group->add_subcommand("extract", "Features of uint8 images [N, C, H, W] into OUT.h5:features");
  extract_command->add_option("--net", extract->net, "inception-v3 or fashion-classifier")->required();
  extract_command->add_option("--weights", extract->weights, "Weights file of the network")->required();
  extract_command->add_option("--input", extract->input, "Images, IN.h5:DATASET (uint8 NCHW)")->required();
  extract_command->add_option("--out", extract->out, "HDF5 file to write (dataset 'features')")->required();
  extract_command->add_option("--preprocess", extract->preprocess,
                              "Inception-v3 input pipeline: tf1 (default) or pytorch-fid");
  extract_command->add_option("--batch", extract->batch, "Images per forward pass")->capture_default_str();
  extract_command->callback([extract] { run_extract(*extract); });

  auto train = std::make_shared<TrainArguments>();
  CLI::App* train_command = group->add_subcommand(
      "train", "Train the Fashion-MNIST feature classifier; prints its test-split accuracy");
  train_command->add_option("--dataset", train->dataset,
                            "Converted dataset root with train/ and test/ (default: the fashion-mnist preset's)");
  train_command->add_option("--out", train->out, "Weights file to write")->required();
  train_command->add_option("--epochs", train->options.epochs, "Passes over the training split")
      ->capture_default_str();
  train_command->add_option("--seed", train->options.seed, "Initialization and shuffling seed")
      ->capture_default_str();
  train_command->add_option("--threads", train->threads, "LibTorch intra-op threads")->capture_default_str();
  train_command->add_option("--batch", train->options.batch, "Images per step")->capture_default_str();
  train_command->add_option("--lr", train->options.learning_rate, "Adam learning rate (cosine decay to 0)")
      ->capture_default_str();
  train_command->add_option("--max-train", train->max_train, "Use the first N training images (0 = all)");
  train_command->add_option("--max-test", train->max_test, "Use the first N test images (0 = all)");
  train_command->callback([train] { run_train(*train); });
}

}  // namespace dact::launch
