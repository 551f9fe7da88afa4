#include "launch/sweep/sweep_plan.h"

#include <fstream>
#include <sstream>

#include "storage/atomic_file.h"
#include "storage/storage_error.h"
#include "workers/evaluator/evaluation_messages.h"
#include "workers/job_payload.h"

namespace dact::launch {
namespace {

namespace evaluator = workers::evaluator;

// The shared settings as the wire message carries them: one encoding of every field,
// kept in step with the evaluators by the message's version.
std::string job_hex(const evaluator::EvaluationJob& job) {
  evaluator::EvaluatePart message;
  message.job = job;
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  for (std::byte each : workers::to_job_bytes(message)) {
    const auto byte = std::to_integer<unsigned>(each);
    hex += digits[byte >> 4];
    hex += digits[byte & 15];
  }
  return hex;
}

evaluator::EvaluationJob job_from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("sweep plan: key 'job' has an odd number of hex digits");
  actors::Bytes bytes(hex.size() / 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::byte>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  }
  return workers::from_job_bytes<evaluator::EvaluatePart>(bytes).job;
}

}  // namespace

std::vector<coordinator::EvaluationPartSeeds> SweepPlan::parts() const {
  coordinator::EvaluationPlan plan;
  plan.num_images = num_images;
  plan.part_images = part_images;
  plan.seed_begin = job.seed_begin;
  return coordinator::split_into_parts(plan);
}

evaluator::EvaluationJob SweepPlan::pair_job(size_t pair) const {
  evaluator::EvaluationJob pair_job = job;
  pair_job.snapshot_path = reconstructions.at(pair / guidances.size());
  pair_job.ema_std = std_of(pair);
  pair_job.guidance = guidance_of(pair);
  pair_job.seed_end = job.seed_begin + num_images;
  return pair_job;
}

evaluator::EvaluationJob SweepPlan::part_job(size_t pair, const coordinator::EvaluationPartSeeds& part) const {
  evaluator::EvaluationJob part_job = pair_job(pair);
  part_job.seed_begin = part.seed_begin;
  part_job.seed_end = part.seed_end;
  return part_job;
}

bool SweepPlan::same_sweep_as(const SweepPlan& other) const {
  return stds == other.stds && guidances == other.guidances && at_kimg == other.at_kimg &&
         num_images == other.num_images && part_images == other.part_images && job_hex(job) == job_hex(other.job);
}

nlohmann::json to_json(const SweepPlan& plan) {
  return {{"stds", plan.stds},
          {"guidance", plan.guidances},
          {"at_kimg", plan.at_kimg},
          {"num", plan.num_images},
          {"part_images", plan.part_images},
          {"lease_timeout_s", plan.lease_timeout_s},
          {"job", job_hex(plan.job)},
          {"reconstructions", plan.reconstructions}};
}

SweepPlan sweep_plan_from_json(const nlohmann::json& json) {
  SweepPlan plan;
  try {
    json.at("stds").get_to(plan.stds);
    json.at("guidance").get_to(plan.guidances);
    json.at("at_kimg").get_to(plan.at_kimg);
    json.at("num").get_to(plan.num_images);
    json.at("part_images").get_to(plan.part_images);
    json.at("lease_timeout_s").get_to(plan.lease_timeout_s);
    plan.job = job_from_hex(json.at("job").get<std::string>());
    json.at("reconstructions").get_to(plan.reconstructions);
  } catch (const nlohmann::json::exception& error) {
    throw std::invalid_argument(std::string("sweep plan: ") + error.what());
  }
  return plan;
}

void write_sweep_plan(const std::string& path, const SweepPlan& plan) {
  storage::write_file_atomically(path, to_json(plan).dump(2) + "\n");
}

SweepPlan read_sweep_plan(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw storage::StorageError(path, "cannot open the sweep plan");
  std::stringstream text;
  text << file.rdbuf();
  try {
    return sweep_plan_from_json(nlohmann::json::parse(text.str()));
  } catch (const std::exception& error) {
    throw storage::StorageError(path, error.what());
  }
}

}  // namespace dact::launch
