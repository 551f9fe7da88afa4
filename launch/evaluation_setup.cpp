#include "launch/evaluation_setup.h"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <thread>

#include "config/config_error.h"
#include "launch/held_out_split.h"
#include "launch/latent/latent_run_setup.h"
#include "models/autoencoding_model.h"
#include "models/features/fashion_classifier_training.h"
#include "models/features/feature_network.h"
#include "storage/shard_dataset.h"
#include "storage/shard_manifest.h"
#include "workers/evaluator/evaluation_protocol.h"
#include "workers/evaluator/reference_statistics.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

// data/fashion-mnist-32/train -> data/fashion-mnist-32/<name>; a latent run's files sit
// beside the pixel dataset it was encoded from, shared with the pixel runs on it.
std::string beside_dataset(const RunConfig& config, const std::string& name) {
  return (fs::absolute(pixel_dataset_dir(config)).parent_path() / name).string();
}

// Every sample of a dataset directory as uint8 images and labels.
models::features::LabelledImages read_all(const std::string& dir) {
  const storage::ShardDataset dataset(dir);
  std::vector<int64_t> indices(static_cast<size_t>(dataset.size()));
  std::iota(indices.begin(), indices.end(), 0);
  storage::SampleBatch batch = dataset.read(indices);
  return {batch.samples, batch.labels};
}

// The classifier learns the dataset's training split and reports its accuracy on the
// sibling "test" split when there is one (dact dataset convert writes both for IDX).
void train_classifier(const RunConfig& config, const std::string& out) {
  namespace features = models::features;
  const std::string pixels_dir = pixel_dataset_dir(config);
  const auto start = std::chrono::steady_clock::now();
  const features::LabelledImages train = read_all(pixels_dir);
  const int64_t classes = static_cast<int64_t>(storage::read_manifest(pixels_dir).class_names.size());
  LOG(INFO) << "training the feature classifier on " << train.images.size(0) << " images of " << pixels_dir
            << " (once; it is shared by every run on this dataset)";
  features::ClassifierTrainingOptions options;
  features::FashionClassifier net = features::train_fashion_classifier(
      train, classes, options, [](const std::string& line) { LOG(INFO) << "feature classifier: " << line; });
  nlohmann::json extra = {{"dataset", pixels_dir}, {"train_samples", train.images.size(0)}};
  const std::string test_dir = (fs::path(pixels_dir).parent_path() / "test").string();
  if (test_dir != fs::path(pixels_dir).string() && storage::is_dataset_dir(test_dir)) {
    const double accuracy = features::classifier_accuracy(net, read_all(test_dir));
    extra["test_accuracy"] = accuracy;
    LOG(INFO) << "feature classifier: test accuracy " << accuracy;
  }
  extra["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  features::write_fashion_classifier(out, net, extra);
}

void write_reference(const std::string& dataset_dir, const std::string& weights, const std::string& out) {
  LOG(INFO) << "writing reference statistics of " << dataset_dir << " to " << out;
  const storage::ShardDataset dataset(dataset_dir);
  std::unique_ptr<models::features::FeatureNetwork> net = models::features::load_feature_network(weights);
  // KID and precision/recall compare against this many reference features; the
  // moments (FD) cover the whole dataset.
  constexpr int64_t kReferenceFeatures = 5000;
  workers::evaluator::ReferenceStatistics reference =
      workers::evaluator::compute_reference_statistics(dataset, *net, 256, kReferenceFeatures);
  reference.source = {{"dataset", fs::absolute(dataset_dir).string()}};
  workers::evaluator::write_reference_statistics(out, reference);
}

std::string dataset_name(const RunConfig& config) {
  const std::string pixels_dir = pixel_dataset_dir(config);
  return fs::path(pixels_dir).lexically_normal().filename().string();
}

}  // namespace

std::string feature_weights_path(const RunConfig& config) {
  if (config.eval.features != "auto") return fs::absolute(config.eval.features).string();
  return beside_dataset(config, "feature-classifier.h5");
}

// The images a run's samples are measured against: the training set, or for an
// autoencoder the held-out split it reconstructs (rFID compares reconstructions of a
// split with that split). Throws config::ConfigError when an autoencoder has none.
std::string reference_dataset_dir(const RunConfig& config) {
  if (!models::is_autoencoding(*config.model)) return pixel_dataset_dir(config);
  const std::string held_out = held_out_dataset_dir(config);
  if (held_out.empty()) {
    throw config::ConfigError("config key 'eval.enabled': an autoencoder is evaluated on the held-out split, a "
                              "'test' dataset beside dataset.dir '" + config.dataset.dir +
                              "', and there is none (dact dataset convert --split test, or set eval.enabled false)");
  }
  return held_out;
}

std::string reference_statistics_path(const RunConfig& config) {
  if (config.eval.reference != "auto") return fs::absolute(config.eval.reference).string();
  if (models::is_autoencoding(*config.model)) {
    const fs::path held_out = reference_dataset_dir(config);
    return (held_out.parent_path() / (held_out.filename().string() + "-reference-statistics.h5")).string();
  }
  return beside_dataset(config, dataset_name(config) + "-reference-statistics.h5");
}

// eval.protocol measures with one feature network; refuse any other before the run starts.
void require_protocol_features(const RunConfig& config, const std::string& weights) {
  if (config.eval.protocol.empty()) return;
  const workers::evaluator::EvaluationProtocol protocol = workers::evaluator::evaluation_protocol(config.eval.protocol);
  if (config.eval.features == "auto") {
    throw config::ConfigError("config key 'eval.protocol' (" + protocol.name +
                              ") needs 'eval.features': the Inception-v3 weights, not the classifier made beside "
                              "the dataset");
  }
  try {
    workers::evaluator::require_protocol_features(
        protocol, models::features::load_feature_network(weights)->name(), weights);
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(std::string("config key 'eval.protocol': ") + e.what());
  }
}

void ensure_evaluation_files(const RunConfig& config) {
  if (!config.eval.enabled) return;
  const std::string weights = feature_weights_path(config);
  const std::string reference = reference_statistics_path(config);
  if (config.eval.features == "auto" || fs::exists(weights)) require_protocol_features(config, weights);
  if (fs::exists(weights) && fs::exists(reference)) return;
  // No rank of the run is started yet, so this one-time work may use every core
  // (LibTorch starts with one thread).
  at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (!fs::exists(weights)) {
    if (config.eval.features != "auto") {
      throw config::ConfigError("config key 'eval.features': no file '" + weights + "'");
    }
    train_classifier(config, weights);
  }
  if (!fs::exists(reference)) {
    if (config.eval.reference != "auto") {
      throw config::ConfigError("config key 'eval.reference': no file '" + reference + "'");
    }
    write_reference(reference_dataset_dir(config), weights, reference);
  }
}

}  // namespace dact::launch
