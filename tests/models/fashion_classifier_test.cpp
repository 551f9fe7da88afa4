// The Fashion-MNIST feature classifier: a short training run on a subset of the real
// data classifies held-out test images far above chance (10%), and its weights file
// round-trips through load_feature_network (same features bit for bit, same name).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "models/features/fashion_classifier_training.h"
#include "models/features/feature_network.h"
#include "models/features/weights_fingerprint.h"
#include "models/state_dict.h"
#include "storage/idx_file.h"
#include "storage/storage_error.h"
#include "tests/support/test_paths.h"

namespace dact::models::features {
namespace {

namespace fs = std::filesystem;

// The first `count` images of an IDX split, [N, 1, 28, 28] uint8, and their labels.
LabelledImages read_idx_split(const std::string& prefix, int64_t count) {
  const torch::Tensor images = storage::read_idx_file(dact::testing::fashion_mnist_dir() + "/" + prefix + "-images-idx3-ubyte.gz");
  const torch::Tensor labels = storage::read_idx_file(dact::testing::fashion_mnist_dir() + "/" + prefix + "-labels-idx1-ubyte.gz");
  return {images.slice(0, 0, count).unsqueeze(1).contiguous(), labels.slice(0, 0, count).to(torch::kInt64)};
}

TEST(FashionClassifier, ShortTrainingClassifiesHeldOutImagesFarAboveChance) {
  torch::set_num_threads(2);
  const LabelledImages train = read_idx_split("train", 4000);
  const LabelledImages test = read_idx_split("t10k", 1000);
  ClassifierTrainingOptions options;
  options.epochs = 1;
  options.batch = 64;
  FashionClassifier net = train_fashion_classifier(train, 10, options);
  const double accuracy = classifier_accuracy(net, test);
  EXPECT_GT(accuracy, 0.6);  // chance is 0.1; the full run reaches > 0.9
  // classifier_accuracy counts every test image once: the share of argmax hits.
  torch::NoGradGuard no_grad;
  const torch::Tensor hits = net->forward(net->input(test.images)).argmax(1).eq(test.labels);
  EXPECT_DOUBLE_EQ(accuracy, hits.sum().item<double>() / static_cast<double>(test.images.size(0)));
}

TEST(FashionClassifier, WeightsFileRoundTripsThroughLoadFeatureNetwork) {
  torch::manual_seed(3);
  FashionClassifierConfig config;
  config.resolution = 28;
  FashionClassifier net(config);
  // Non-trivial BatchNorm statistics, so a file that lost them would change features.
  for (const auto& [name, tensor] : state_dict(*net)) {
    if (name.find("running_var") != std::string::npos) tensor.uniform_(0.5, 2.0);
    if (name.find("running_mean") != std::string::npos) tensor.uniform_(-0.5, 0.5);
  }
  const std::string path = (fs::temp_directory_path() / ("dact_classifier_" + std::to_string(::getpid()) + ".h5")).string();
  write_fashion_classifier(path, net, {{"note", "test"}});
  const std::map<std::string, torch::Tensor> weights = state_dict(*net);
  const auto in_memory = make_fashion_classifier_features(net, weights_fingerprint(weights));
  const auto loaded = load_feature_network(path);
  fs::remove(path);

  const torch::Tensor images = read_idx_split("t10k", 16).images;
  const torch::Tensor expected = in_memory->features(images);
  EXPECT_EQ(expected.sizes(), (torch::IntArrayRef{16, 128}));
  EXPECT_TRUE(torch::equal(loaded->features(images), expected));
  EXPECT_EQ(loaded->name(), in_memory->name());
  EXPECT_EQ(loaded->name().rfind("fashion-classifier@", 0), 0u) << loaded->name();
  // Each row depends only on its own image.
  EXPECT_TRUE(torch::allclose(loaded->features(images.slice(0, 3, 4)), expected.slice(0, 3, 4), 1e-5, 1e-6));
}

TEST(FashionClassifier, WrongImageShapeIsAnError) {
  FashionClassifierConfig config;
  const auto features = make_fashion_classifier_features(FashionClassifier(config), "0");
  EXPECT_THROW(features->features(torch::zeros({2, 3, 32, 32}, torch::kUInt8)), std::invalid_argument);
}

}  // namespace
}  // namespace dact::models::features
