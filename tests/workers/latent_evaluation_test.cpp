// Evaluation of a latent run's snapshot: the evaluator reads the decoder record from the
// snapshot, checks the autoencoder's fingerprint, and scores pixels decoded as EDM2's
// decode makes them (undo the scaling, decode, clamp to [-1, 1], to uint8).
#include <gtest/gtest.h>

#include "models/edm2/edm2_configs.h"
#include "models/features/fashion_classifier.h"
#include "models/latent/autoencoder_weights.h"
#include "models/pixel_range.h"
#include "storage/storage_error.h"
#include "tests/support/latent_test_files.h"
#include "tests/support/temp_dir.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/evaluator/evaluation_job.h"
#include "workers/evaluator/seeded_images.h"
#include "tests/support/tiny_feature_network.h"

namespace dact::workers::evaluator {
namespace {

class LatentEvaluation : public ::testing::Test {
 protected:
  void SetUp() override {
    // edm2-tiny samples 8 x 8 x 4: the latents of 32 x 32 x 1 images under the tiny autoencoder.
    dact::testing::write_tiny_autoencoder(dir_ / "ae.h5", 5, 32);
    torch::manual_seed(0);
    models::Edm2Precond net(models::edm2_named_config("edm2-tiny"));
    ema::EmaSnapshot snapshot;
    snapshot.stds = {0.1};
    storage::NamedTensors params;
    for (const auto& item : net->named_parameters()) params[item.key()] = item.value().detach().clone();
    snapshot.tracks = {params};
    for (const auto& item : net->named_buffers()) snapshot.buffers[item.key()] = item.value().detach().clone();
    snapshot.model = {{"preset", "edm2-tiny"}};
    record_.autoencoder = dir_ / "ae.h5";
    record_.fingerprint = models::latent::autoencoder_fingerprint(record_.autoencoder);
    record_.config = dact::testing::tiny_autoencoder_config(32);
    record_.scaling = {{0.1, -0.2, 0.3, 0.0}, {1.5, 0.8, 1.0, 2.0}, {0, 0, 0, 0}, {0.5, 0.5, 0.5, 0.5}};
    snapshot.image_decoder = models::latent::decoder_record_to_json(record_);
    ema::write_ema_snapshot(dir_ / "snapshot.h5", snapshot);
    snapshot.image_decoder["fingerprint"] = "0000000000000000";
    ema::write_ema_snapshot(dir_ / "other-fingerprint.h5", snapshot);
  }

  dact::testing::TempDir dir_{"dact-latent-evaluation"};
  models::latent::LatentDecoderRecord record_;
};

TEST_F(LatentEvaluation, SamplesAreDecodedToPixelsBeforeFeatures) {
  const std::unique_ptr<models::Model> net = load_snapshot_network(dir_ / "snapshot.h5", 0.1);
  models::SamplingOptions options;
  options.steps = 2;
  const SeededImages decoded =
      generate_seeded_images(*net, *load_snapshot_decoder(dir_ / "snapshot.h5"), 0, 3, 3, options);
  EXPECT_EQ(decoded.images.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));

  // The same three samples decoded by hand.
  std::vector<torch::Tensor> noise;
  for (int64_t seed = 0; seed < 3; ++seed) noise.push_back(seeded_noise(seed, net->image_shape()));
  models::latent::LoadedAutoencoder autoencoder =
      models::latent::load_autoencoder_weights(record_.autoencoder, nullptr);
  torch::NoGradGuard no_grad;
  const torch::Tensor samples =
      net->sample(torch::tensor({0, 1, 2}, torch::kInt64), torch::stack(noise), options, models::standard_normal_like);
  // raw = (x - final_mean) * raw_std / final_std + raw_mean (EDM2 decode_latents)
  const torch::Tensor raw = samples * (torch::tensor({1.5, 0.8, 1.0, 2.0}).reshape({1, 4, 1, 1}) / 0.5) +
                            torch::tensor({0.1, -0.2, 0.3, 0.0}).reshape({1, 4, 1, 1});
  const torch::Tensor expected = models::model_space_to_pixels(autoencoder.model->decode(raw).clamp(-1, 1));
  EXPECT_LE((decoded.images.to(torch::kInt32) - expected.to(torch::kInt32)).abs().max().item<int>(), 1);

  // The evaluator scores those pixels.
  const auto features = dact::testing::tiny_feature_network(1, 32);
  EvaluationJob job;
  job.snapshot_path = dir_ / "snapshot.h5";
  job.ema_std = 0.1;
  job.steps = 2;
  job.seed_end = 3;
  job.batch = 3;
  const EvaluationPart part = run_evaluation_part(job, *features);
  EXPECT_EQ(part.images, 3);
  EXPECT_TRUE(torch::allclose(part.features, features->features(decoded.images).to(torch::kFloat32)));
}

TEST_F(LatentEvaluation, AnAutoencoderOfAnotherFingerprintIsRefused) {
  try {
    load_snapshot_decoder(dir_ / "other-fingerprint.h5");
    FAIL() << "expected a StorageError";
  } catch (const storage::StorageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(dir_ / "other-fingerprint.h5"), std::string::npos) << what;
    EXPECT_NE(what.find("image_decoder.fingerprint"), std::string::npos) << what;
    EXPECT_NE(what.find(dir_ / "ae.h5"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace dact::workers::evaluator
