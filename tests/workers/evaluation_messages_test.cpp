// Evaluation jobs and results as versioned job-queue payloads (workers/job_payload.h):
// every field survives the round trip, and another type, version or length is refused.
#include "workers/evaluator/evaluation_messages.h"

#include <gtest/gtest.h>

#include "workers/evaluator/reconstruction_messages.h"
#include "workers/job_payload.h"

namespace dact::workers::evaluator {
namespace {

TEST(EvaluationMessages, EvaluatePartRoundTrips) {
  EvaluatePart job;
  job.evaluation_id = 7;
  job.part_index = 3;
  job.nimg = 32064;
  job.job.snapshot_path = "/runs/a/snapshots/snapshot-000032.064.h5";
  job.job.ema_std = 0.1;
  job.job.sampler = "heun";
  job.job.steps = 16;
  job.job.guidance = 1.5;
  job.job.seed_begin = 96;
  job.job.seed_end = 128;
  job.job.batch = 64;
  job.job.feature_weights = "/data/classifier.h5";
  job.job.ema_name = "classic-0.9999";
  job.job.guidance_ramp = "linear";
  job.job.guidance_low = 0.3;
  job.job.guidance_high = 2.9;
  job.job.time_shift = 3;
  job.job.edm.rho = 5;
  job.job.edm.S_churn = 0;
  job.job.edm.S_max = 12.5;
  job.job.guide_snapshot = "/runs/a/snapshots/snapshot-000008.h5";
  job.job.guide_std = 0.045;
  job.job.edm.sigmas = {80, 3.5, 0.002};
  job.job.mcmc.step_size = 0.002;
  job.job.mcmc.off = true;
  job.job.masked.num_iter = 16;
  const EvaluatePart back = from_job_bytes<EvaluatePart>(to_job_bytes(job));
  EXPECT_EQ(back.evaluation_id, 7u);
  EXPECT_EQ(back.part_index, 3);
  EXPECT_EQ(back.nimg, 32064);
  EXPECT_EQ(back.job.snapshot_path, job.job.snapshot_path);
  EXPECT_EQ(back.job.ema_std, 0.1);
  EXPECT_EQ(back.job.sampler, "heun");
  EXPECT_EQ(back.job.steps, 16);
  EXPECT_EQ(back.job.guidance, 1.5);
  EXPECT_EQ(back.job.seed_begin, 96);
  EXPECT_EQ(back.job.seed_end, 128);
  EXPECT_EQ(back.job.batch, 64);
  EXPECT_EQ(back.job.feature_weights, job.job.feature_weights);
  EXPECT_EQ(back.job.ema_name, "classic-0.9999");
  EXPECT_EQ(back.job.guidance_ramp, "linear");
  EXPECT_EQ(back.job.guidance_low, 0.3);
  EXPECT_EQ(back.job.guidance_high, 2.9);
  EXPECT_EQ(back.job.time_shift, 3);
  EXPECT_EQ(back.job.edm.rho, std::optional<double>(5));
  EXPECT_EQ(back.job.edm.S_churn, std::optional<double>(0));
  EXPECT_EQ(back.job.edm.S_max, std::optional<double>(12.5));
  EXPECT_FALSE(back.job.edm.sigma_min.has_value());
  EXPECT_EQ(back.job.edm.sigmas, (std::vector<double>{80, 3.5, 0.002}));
  EXPECT_EQ(back.job.edm.describe(), "--rho 5, --churn 0, --s-max 12.5, --schedule [80, 3.5, 0.002]");
  EXPECT_EQ(back.job.guide_snapshot, job.job.guide_snapshot);
  EXPECT_EQ(back.job.guide_std, 0.045);
  EXPECT_EQ(back.job.mcmc.describe(), "--mcmc-step-size 0.002, --no-mcmc");
  EXPECT_EQ(back.job.masked.num_iter, std::optional<int64_t>(16));
  EXPECT_FALSE(back.job.masked.temperature.has_value());
}

TEST(EvaluationMessages, EvaluatePartOfVersionOneChoosesByStd) {
  // A version-1 payload ends after feature_weights: no classic track named, and the
  // guidance schedule and time grid of before (constant, everywhere, uniform).
  EvaluatePart job;
  job.nimg = 5;  // before version 7 the field held whole kimg
  job.job.ema_name = "dropped";
  actors::Bytes bytes = to_job_bytes(job);
  // Strings are a u64 length then the bytes: ema_name, guidance_ramp; then three f64.
  const size_t version_2_bytes = sizeof(uint64_t) + job.job.ema_name.size() + sizeof(uint64_t) +
                                 job.job.guidance_ramp.size() + 3 * sizeof(double);
  // Version 3: seven (bool, f64) controls, guide_snapshot, guide_std.
  const size_t version_3_bytes = 7 * (1 + sizeof(double)) + sizeof(uint64_t) + sizeof(double);
  // Version 4: the learned schedule's count (0) and levels.
  const size_t version_4_bytes = sizeof(uint64_t);
  // Version 5: two (bool, f64) MCMC controls and the off flag.
  const size_t version_5_bytes = 2 * (1 + sizeof(double)) + 1;
  // Version 6: two (bool, 8-byte value) masked-generation controls.
  const size_t version_6_bytes = 2 * (1 + sizeof(double));
  bytes.resize(bytes.size() - version_2_bytes - version_3_bytes - version_4_bytes - version_5_bytes -
               version_6_bytes);
  bytes[2] = std::byte{1};  // the u16 version after the u16 type id (little-endian)
  bytes[3] = std::byte{0};
  const EvaluatePart back = from_job_bytes<EvaluatePart>(bytes);
  EXPECT_EQ(back.nimg, 5000);
  EXPECT_EQ(back.job.ema_name, "");
  EXPECT_EQ(back.job.guidance_ramp, "constant");
  EXPECT_EQ(back.job.time_shift, 1);
  EXPECT_FALSE(back.job.edm.any());
  EXPECT_EQ(back.job.guide_snapshot, "");
  EXPECT_FALSE(back.job.mcmc.any());
  EXPECT_FALSE(back.job.masked.any());
}

TEST(EvaluationMessages, EvaluatePartOfVersionSixReadsWholeKimg) {
  EvaluatePart job;
  job.nimg = 16;
  job.job.masked.num_iter = 4;
  actors::Bytes bytes = to_job_bytes(job);  // version 7 adds no bytes, only the field's unit
  bytes[2] = std::byte{6};
  const EvaluatePart back = from_job_bytes<EvaluatePart>(bytes);
  EXPECT_EQ(back.nimg, 16000);
  EXPECT_EQ(back.job.masked.num_iter, std::optional<int64_t>(4));
  ASSERT_EQ(EvaluatePart::kVersion, 7);
}

TEST(EvaluationMessages, ReconstructPartCarriesNimgAndReadsVersionOneKimg) {
  ReconstructPart part;
  part.evaluation_id = 4;
  part.part_index = 1;
  part.nimg = 2560;
  part.job.snapshot_path = "/runs/a/snapshots/snapshot-000002.560.h5";
  part.job.index_begin = 8;
  part.job.index_end = 16;
  actors::Bytes bytes = to_job_bytes(part);
  ReconstructPart back = from_job_bytes<ReconstructPart>(bytes);
  EXPECT_EQ(back.nimg, 2560);
  EXPECT_EQ(back.job.snapshot_path, part.job.snapshot_path);
  EXPECT_EQ(back.job.index_end, 16);
  bytes[2] = std::byte{1};  // a coordinator of before: the same layout, whole kimg
  back = from_job_bytes<ReconstructPart>(bytes);
  EXPECT_EQ(back.nimg, 2560000);
  bytes[2] = std::byte{ReconstructPart::kVersion + 1};  // an evaluator of before refuses a newer job
  EXPECT_THROW(from_job_bytes<ReconstructPart>(bytes), actors::UnsupportedMessageVersion);
}

TEST(EvaluationMessages, EvaluatedPartRoundTrips) {
  EvaluatedPart part;
  part.evaluation_id = 2;
  part.part_index = 1;
  part.error = "snapshot missing";
  part.feature_net = "fashion-classifier@0123";
  part.seed_begin = 32;
  part.seed_end = 64;
  part.count = 32;
  part.images = 32;
  part.seconds = 4.25;
  part.tensors = actors::Bytes(17, std::byte{0xab});
  const EvaluatedPart back = from_job_bytes<EvaluatedPart>(to_job_bytes(part));
  EXPECT_EQ(back.evaluation_id, 2u);
  EXPECT_EQ(back.part_index, 1);
  EXPECT_EQ(back.error, "snapshot missing");
  EXPECT_EQ(back.feature_net, "fashion-classifier@0123");
  EXPECT_EQ(back.seed_begin, 32);
  EXPECT_EQ(back.seed_end, 64);
  EXPECT_EQ(back.count, 32);
  EXPECT_EQ(back.images, 32);
  EXPECT_EQ(back.seconds, 4.25);
  EXPECT_EQ(back.tensors, part.tensors);
}

TEST(EvaluationMessages, OtherTypeVersionOrLengthIsRefused) {
  const actors::Bytes job = to_job_bytes(EvaluatePart{});
  EXPECT_THROW(from_job_bytes<EvaluatedPart>(job), actors::DecodeError);

  actors::Bytes newer = job;
  newer[2] = std::byte{EvaluatePart::kVersion + 1};  // the u16 version after the u16 type id
  EXPECT_THROW(from_job_bytes<EvaluatePart>(newer), actors::UnsupportedMessageVersion);

  actors::Bytes longer = job;
  longer.push_back(std::byte{0});
  EXPECT_THROW(from_job_bytes<EvaluatePart>(longer), actors::DecodeError);
  const actors::Bytes shorter(job.begin(), job.end() - 1);
  EXPECT_THROW(from_job_bytes<EvaluatePart>(shorter), actors::DecodeError);
}

}  // namespace
}  // namespace dact::workers::evaluator
