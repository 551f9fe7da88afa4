// Classic EMA (classic_ema_track.h) against its formula written out in doubles, and its
// place in the EMA actor: stored in snapshots by name, chosen by name, resumed exactly,
// left out of post-hoc reconstruction.
#include "workers/ema/classic_ema_track.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/edm2/edm2_configs.h"
#include "models/edm2/edm2_family.h"
#include "models/state_dict.h"
#include "storage/storage_error.h"
#include "tests/support/temp_dir.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/ema/ema_worker.h"
#include "workers/ema/posthoc_reconstruction.h"
#include "workers/tensor_bytes.h"

namespace dact::workers::ema {
namespace {

using Params = ClassicEmaTrack::NamedTensors;

Params constant_params(double value) { return {{"w", torch::full({3}, value, torch::kFloat64)}}; }

TEST(ClassicEmaTrack, FollowsTheDecayFormula) {
  ClassicEmaTrack track({"ema", 0.9, false}, constant_params(1), 0);
  double expected = 1;
  const double values[] = {2, -1, 5};
  for (int64_t step = 1; step <= 3; ++step) {
    track.update(constant_params(values[step - 1]), step);
    expected = 0.9 * expected + 0.1 * values[step - 1];
    EXPECT_NEAR(track.params().at("w")[0].item<double>(), expected, 1e-15) << step;
  }
  EXPECT_EQ(track.step(), 3);
}

TEST(ClassicEmaTrack, WarmupUsesOnePlusNOverTenPlusN) {
  const ClassicEmaOptions warm{"warm", 0.9999, true};
  EXPECT_DOUBLE_EQ(classic_ema_beta(warm, 1), 2.0 / 11);
  EXPECT_DOUBLE_EQ(classic_ema_beta(warm, 90), 91.0 / 100);
  EXPECT_DOUBLE_EQ(classic_ema_beta(warm, 1'000'000), 0.9999);  // (1 + n) / (10 + n) > decay from n = 89991
  EXPECT_DOUBLE_EQ(classic_ema_beta({"plain", 0.9999, false}, 1), 0.9999);

  ClassicEmaTrack track(warm, constant_params(0), 0);
  track.update(constant_params(11), 1);  // beta 2/11: 2/11 * 0 + 9/11 * 11 = 9
  EXPECT_NEAR(track.params().at("w")[0].item<double>(), 9, 1e-12);
  track.update(constant_params(-3), 2);  // beta 3/12: 0.25 * 9 + 0.75 * -3 = 0
  EXPECT_NEAR(track.params().at("w")[0].item<double>(), 0, 1e-12);
}

TEST(ClassicEmaTrack, HalfLifeHalvesTheOldAverageAfterThatManyImages) {
  // EDM training_loop.py: beta = 0.5^(batch / halflife_nimg); after halflife_nimg
  // images (10 steps of 100 here) the old average keeps weight exactly 1/2.
  const ClassicEmaOptions halflife{"ema", 0, false, 1.0, 0, 100};
  EXPECT_DOUBLE_EQ(classic_ema_beta(halflife, 1), std::pow(0.5, 0.1));
  ClassicEmaTrack track(halflife, constant_params(1), 0);
  for (int64_t step = 1; step <= 10; ++step) track.update(constant_params(3), step);
  EXPECT_NEAR(track.params().at("w")[0].item<double>(), 0.5 * 1 + 0.5 * 3, 1e-12);
  // Ramp-up: the half-life is at most rampup_ratio times the images seen before the
  // step, so the first update copies the weights (half-life 0) and the third has
  // min(1000, 0.05 * 200) = 10 images.
  const ClassicEmaOptions ramped{"ema", 0, false, 1.0, 0.05, 100};
  EXPECT_EQ(classic_ema_beta(ramped, 1), 0.0);
  EXPECT_DOUBLE_EQ(classic_ema_beta(ramped, 3), std::pow(0.5, 10.0));
  EXPECT_DOUBLE_EQ(classic_ema_beta(ramped, 1000), std::pow(0.5, 0.1));  // 0.05 * 99900 > 1000
}

TEST(ClassicEmaTrack, AnUpdateOverSeveralStepsAppliesTheirProduct) {
  // ema_every_steps = 3: the weights seen at step 3 stand for steps 1..3.
  const ClassicEmaOptions warm{"warm", 0.99, true};
  ClassicEmaTrack every_third(warm, constant_params(1), 0), every_step(warm, constant_params(1), 0);
  every_third.update(constant_params(4), 3);
  for (int64_t step = 1; step <= 3; ++step) every_step.update(constant_params(4), step);
  const double beta = (2.0 / 11) * (3.0 / 12) * (4.0 / 13);
  EXPECT_NEAR(every_third.params().at("w")[0].item<double>(), beta * 1 + (1 - beta) * 4, 1e-12);
  EXPECT_NEAR(every_third.params().at("w")[0].item<double>(), every_step.params().at("w")[0].item<double>(), 1e-12);
  EXPECT_THROW(every_third.update(constant_params(4), 3), std::invalid_argument);  // not after its step
  EXPECT_THROW(every_third.update({{"v", torch::zeros({3}, torch::kFloat64)}}, 4), std::invalid_argument);
}

// The EMA actor with two power tracks and two classic ones, fed weights by hand.
class ClassicEmaInWorkerTest : public ::testing::Test {
 protected:
  ClassicEmaInWorkerTest() : net_config_(models::edm2_named_config("edm2-tiny")) {
    config_.stds = {0.05, 0.1};
    config_.preview_track = 0;
    config_.snapshot_every_kimg = 1e9;  // no snapshots but the ones asked for
    config_.classic = {{"ema", 0.9999, false}, {"warm", 0.999, true}};
    storage::RunDirectory(dir_.path()).create();
  }

  EmaWorker worker() const {
    return EmaWorker(config_, storage::RunDirectory(dir_.path()), "hash", {{"preset", "edm2-tiny"}},
                     [config = net_config_] { return models::edm2_model(models::Edm2Precond(config)); },
                     {[](int64_t, std::string) {}, [](int64_t) {}});
  }

  // The trainer's weights of `step`: random, a function of the step.
  EmaWeights weights(int64_t step, bool write_state) const {
    torch::manual_seed(static_cast<uint64_t>(step));
    models::Edm2Precond net(net_config_);
    storage::NamedTensors state = models::state_dict(*net);
    for (auto& [name, tensor] : state) tensor = torch::randn_like(tensor);
    EmaWeights message;
    message.step = step;
    message.nimg = step * kBatch;
    message.delta_nimg = step > 0 ? kBatch : 0;
    message.write_state = write_state;
    message.tensors = tensors_to_bytes(state);
    return message;
  }

  static constexpr int64_t kBatch = 16;
  models::Edm2PrecondConfig net_config_;
  EmaConfig config_;
  dact::testing::TempDir dir_{"dact-classic-ema"};
};

TEST_F(ClassicEmaInWorkerTest, ResumesExactlyAndIsChosenByName) {
  const storage::RunDirectory run(dir_.path());
  EmaWorker straight = worker();
  for (int64_t step = 0; step <= 4; ++step) straight.handle(weights(step, step == 2 || step == 4));
  straight.flush();
  const EmaSnapshot at_2 = read_ema_snapshot(run.ema_state_path(2));
  ASSERT_EQ(at_2.classic.size(), 2u);
  EXPECT_EQ(at_2.classic[1].options, (ClassicEmaOptions{"warm", 0.999, true}));
  EXPECT_EQ(at_2.classic[1].step, 2);
  const EmaSnapshot straight_4 = read_ema_snapshot(run.ema_state_path(4));

  EmaWorker resumed = worker();
  resumed.resume_from(2);
  for (int64_t step = 3; step <= 4; ++step) resumed.handle(weights(step, step == 4));
  resumed.flush();
  const EmaSnapshot resumed_4 = read_ema_snapshot(run.ema_state_path(4));
  ASSERT_EQ(resumed_4.classic.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(resumed_4.classic[i].step, 4);
    for (const auto& [name, tensor] : straight_4.classic[i].params) {
      EXPECT_TRUE(torch::equal(resumed_4.classic[i].params.at(name), tensor)) << name;
    }
  }
  // The tracks moved: step 4's average is not step 2's.
  const std::string first = straight_4.classic[1].params.begin()->first;
  EXPECT_FALSE(torch::equal(straight_4.classic[1].params.at(first), at_2.classic[1].params.at(first)));

  // Chosen by name; the power tracks still by std; an unknown name lists what there is.
  const storage::NamedTensors ema = chosen_track_state_dict(straight_4, 0.1, "ema");
  const std::string param = straight_4.classic[0].params.begin()->first;
  EXPECT_TRUE(torch::equal(ema.at(param), straight_4.classic[0].params.at(param)));
  EXPECT_EQ(ema.size(), straight_4.classic[0].params.size() + straight_4.buffers.size());
  EXPECT_TRUE(torch::equal(chosen_track_state_dict(straight_4, 0.1, "").at(param), straight_4.tracks[1].at(param)));
  try {
    chosen_track_state_dict(straight_4, 0.1, "nope");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("stds 0.05, 0.1 and classic tracks 'ema', 'warm'"), std::string::npos)
        << e.what();
  }

  // Another classic configuration refuses the stored state.
  config_.classic.pop_back();
  EXPECT_THROW(worker().resume_from(2), storage::StorageError);
}

TEST_F(ClassicEmaInWorkerTest, PosthocReconstructionReadsOnlyThePowerTracks) {
  EmaWorker ema = worker();
  for (int64_t step = 0; step <= 3; ++step) ema.handle(weights(step, step >= 2));
  ema.flush();
  const storage::RunDirectory run(dir_.path());
  const std::vector<ReconstructedEma> outputs = reconstruct_posthoc_ema(
      {run.ema_state_path(2), run.ema_state_path(3)}, {0.08}, 0, dir_ / "posthoc");
  ASSERT_EQ(outputs.size(), 1u);
  const EmaSnapshot output = read_ema_snapshot(outputs[0].path);
  EXPECT_EQ(output.stds, std::vector<double>{0.08});
  EXPECT_TRUE(output.classic.empty());
}

TEST_F(ClassicEmaInWorkerTest, WithoutClassicTracksTheMetadataIsAsBefore) {
  config_.classic.clear();
  EmaWorker ema = worker();
  for (int64_t step = 0; step <= 1; ++step) ema.handle(weights(step, step == 1));
  ema.flush();
  const nlohmann::json metadata = storage::read_tensor_file_metadata(storage::RunDirectory(dir_.path()).ema_state_path(1));
  EXPECT_FALSE(metadata.contains("classic_ema"));
}

}  // namespace
}  // namespace dact::workers::ema
