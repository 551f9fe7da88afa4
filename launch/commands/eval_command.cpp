#include "launch/commands/eval_command.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>
#include <stdexcept>
#include <string>

#include "coordinator/evaluation_board.h"
#include "launch/commands/h5_dataset_file.h"
#include "launch/config/run_config.h"
#include "launch/commands/sampling_cli.h"
#include "models/features/feature_network.h"
#include "models/metrics/feature_statistics.h"
#include "storage/shard_dataset.h"
#include "storage/shard_manifest.h"
#include "storage/storage_error.h"
#include "workers/evaluator/evaluation_job.h"
#include "workers/evaluator/evaluation_metrics.h"
#include "workers/evaluator/evaluation_protocol.h"
#include "workers/evaluator/evaluation_setting.h"
#include "workers/evaluator/reference_npz.h"
#include "workers/evaluator/reference_statistics.h"
#include "workers/evaluator/snapshot_network.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;
namespace evaluator = workers::evaluator;

// Prints a metrics object as metrics.jsonl holds its lines (nlohmann's shortest
// round-trip numbers), so the same double prints as the same digits in both.
void print_metrics(const nlohmann::json& metrics) { std::cout << metrics.dump() << "\n"; }

struct EvalCompareOptions {
  std::string gen;
  std::string ref;
  evaluator::MetricOptions metrics;
};

// Reads the [N, d] floating feature matrix named by "FILE.h5:DATASET" as float64.
torch::Tensor read_feature_matrix(const std::string& spec, const std::string& what) {
  const H5DatasetSpec location = parse_h5_dataset_spec(spec, what);
  const torch::Tensor features = read_h5_dataset(location);
  if (features.dim() != 2 || !features.is_floating_point() || features.size(0) < 2) {
    throw storage::StorageError(location.path, "dataset '" + location.dataset +
                                                   "': expected floating features [N, d] with N >= 2, got " +
                                                   std::string(c10::toString(features.scalar_type())) + " " +
                                                   c10::str(features.sizes()));
  }
  return features.to(torch::kFloat64);
}

models::metrics::FeatureStatistics statistics_of(const torch::Tensor& features) {
  models::metrics::FeatureStatistics stats(features.size(1));
  stats.add(features);
  return stats;
}

void run_eval_compare(const EvalCompareOptions& options) {
  const torch::Tensor gen = read_feature_matrix(options.gen, "--gen");
  const torch::Tensor ref = read_feature_matrix(options.ref, "--ref");
  if (gen.size(1) != ref.size(1)) {
    throw std::invalid_argument("feature dimensions differ: " + options.gen + " has d = " +
                                std::to_string(gen.size(1)) + ", " + options.ref + " has d = " +
                                std::to_string(ref.size(1)));
  }
  print_metrics(evaluator::compare_feature_sets(statistics_of(gen), gen, statistics_of(ref), ref, options.metrics));
}

struct EvalRefOptions {
  std::string dataset;
  std::string import_npz;
  int64_t import_count = 50000;
  std::string export_from;
  std::string split = "train";
  std::string features;
  std::string preprocess;
  std::string out;
  int64_t max_features = 50000;
  int64_t batch = 256;
};

// DIR itself when it is a dataset, else DIR/<split> (a converted IDX source).
std::string dataset_split_dir(const std::string& dir, const std::string& split) {
  if (storage::is_dataset_dir(dir)) return dir;
  const std::string split_dir = (fs::path(dir) / split).string();
  if (!storage::is_dataset_dir(split_dir)) {
    throw storage::StorageError(dir, "no dataset here or in its '" + split + "' subdirectory (manifest.json)");
  }
  return split_dir;
}

void run_eval_ref(const EvalRefOptions& options) {
  if (!options.export_from.empty()) {
    evaluator::export_reference_npz(evaluator::read_reference_statistics(options.export_from), options.out);
    std::cout << fmt::format("{}: mu and sigma of {}\n", options.out, options.export_from);
    return;
  }
  if (options.features.empty()) throw std::invalid_argument("dact eval ref needs --features (or --export)");
  if (options.dataset.empty() == options.import_npz.empty()) {
    throw std::invalid_argument("dact eval ref needs one of --dataset, --import, --export");
  }
  models::features::FeatureNetworkOptions net_options;
  net_options.inception_preprocess = options.preprocess;
  const auto net = models::features::load_feature_network(options.features, net_options);
  evaluator::ReferenceStatistics reference(0);
  std::string what;
  if (!options.import_npz.empty()) {
    reference = evaluator::import_reference_npz(options.import_npz, *net, options.import_count, options.batch);
    reference.source["feature_weights"] = options.features;
    what = fmt::format("mu and sigma of {} (as {} images)", options.import_npz, options.import_count);
  } else {
    const std::string dir = dataset_split_dir(options.dataset, options.split);
    reference = evaluator::compute_reference_statistics(storage::ShardDataset(dir), *net, options.batch,
                                                        options.max_features);
    reference.source = {{"dataset", dir}, {"feature_weights", options.features}};
    what = fmt::format("{} images of {}", reference.stats.count, dir);
  }
  evaluator::write_reference_statistics(options.out, reference);
  std::cout << fmt::format("{}: {}, {} features kept, d = {} ({})\n", options.out, what, reference.features.size(0),
                           reference.stats.dim, reference.feature_net);
}

struct EvalOptions {
  evaluator::EvaluationJob job;
  std::string ref;
  int64_t num = 0;
  std::string seeds;     // "A-B": seeds A..B inclusive (EDM's --seeds)
  std::string protocol;  // "" = none (evaluation_protocol.h)
  int64_t part_images = EvaluationConfig().part_images;
  std::string preprocess;
  evaluator::MetricOptions metrics;
  int threads = 0;
};

// "A-B" (inclusive, EDM's notation) -> [A, B + 1).
std::pair<int64_t, int64_t> parse_seed_range(const std::string& text) {
  const size_t dash = text.find('-');
  try {
    size_t used = 0;
    const int64_t first = std::stoll(text.substr(0, dash), &used);
    if (dash == std::string::npos || used != dash) throw std::invalid_argument(text);
    const int64_t last = std::stoll(text.substr(dash + 1), &used);
    if (used != text.size() - dash - 1 || first < 0 || last < first) throw std::invalid_argument(text);
    return {first, last + 1};
  } catch (const std::logic_error&) {
    throw std::invalid_argument("--seeds '" + text + "': expected A-B with 0 <= A <= B, e.g. 50000-99999");
  }
}

// The seeds [begin, end) of --seed/--num, --seeds or the protocol's.
std::pair<int64_t, int64_t> seed_range(const EvalOptions& options) {
  if (!options.seeds.empty()) {
    const auto range = parse_seed_range(options.seeds);
    if (options.num > 0 && options.num != range.second - range.first) {
      throw std::invalid_argument(fmt::format("--num {} differs from the {} seeds of --seeds {}", options.num,
                                              range.second - range.first, options.seeds));
    }
    return range;
  }
  int64_t num = options.num;
  if (num == 0 && !options.protocol.empty()) num = evaluator::evaluation_protocol(options.protocol).images;
  return {options.job.seed_begin, options.job.seed_begin + num};
}

// The parts of the evaluation as the coordinator splits it (coordinator/evaluation_board.h),
// run one after the other and merged in order, so every image is sampled in the very
// batch it is sampled in during training.
evaluator::EvaluationPart run_parts(const evaluator::EvaluationJob& job, int64_t part_images,
                                    models::features::FeatureNetwork& net) {
  coordinator::EvaluationPlan plan;
  plan.num_images = job.seed_end - job.seed_begin;
  plan.part_images = part_images;
  plan.seed_begin = job.seed_begin;
  std::vector<evaluator::EvaluationPart> parts;
  for (const coordinator::EvaluationPartSeeds& seeds : coordinator::split_into_parts(plan)) {
    evaluator::EvaluationJob part = job;
    part.seed_begin = seeds.seed_begin;
    part.seed_end = seeds.seed_end;
    parts.push_back(evaluator::run_evaluation_part(part, net));
  }
  return evaluator::merge_parts(parts);
}

void run_eval(const EvalOptions& options) {
  use_threads(options.threads);
  evaluator::EvaluationJob job = options.job;
  std::tie(job.seed_begin, job.seed_end) = seed_range(options);
  if (job.snapshot_path.empty() || options.ref.empty() || job.seed_end - job.seed_begin < 2) {
    throw std::invalid_argument(
        "dact eval needs --snapshot, --ref and --num >= 2, --seeds or --protocol (or a subcommand: ref, compare)");
  }
  std::optional<evaluator::EvaluationProtocol> protocol;
  if (!options.protocol.empty()) protocol = evaluator::evaluation_protocol(options.protocol);
  const evaluator::ReferenceStatistics reference = evaluator::read_reference_statistics(options.ref);
  if (job.feature_weights.empty()) {
    job.feature_weights = reference.source.value("feature_weights", std::string());
    if (job.feature_weights.empty()) {
      throw storage::StorageError(options.ref, "records no feature weights; pass --features");
    }
  }
  models::features::FeatureNetworkOptions net_options;
  net_options.inception_preprocess = options.preprocess;
  const auto net = models::features::load_feature_network(job.feature_weights, net_options);
  if (protocol) evaluator::require_protocol_features(*protocol, net->name(), job.feature_weights);
  if (net->name() != reference.feature_net) {  // before spending time on sampling
    throw std::invalid_argument("feature net mismatch: " + job.feature_weights + " is '" + net->name() + "' but " +
                                options.ref + " was computed with '" + reference.feature_net + "'");
  }
  const std::shared_ptr<const models::ModelSpec> model = evaluator::load_snapshot_model_spec(job.snapshot_path);
  const nlohmann::json setting = evaluator::evaluation_setting(
      job, *model, {options.protocol, net->name(), evaluator::reference_fingerprint(reference)});
  const evaluator::EvaluationPart part = run_parts(job, options.part_images, *net);
  nlohmann::json metrics = evaluator::named_by_protocol(
      evaluator::metrics_against_reference(part, reference, options.metrics), options.protocol);
  metrics["setting"] = setting;
  metrics["seconds"] = part.seconds;
  print_metrics(metrics);
}

void add_metric_options(CLI::App& command, evaluator::MetricOptions& metrics) {
  command.add_option("--kid-subsets", metrics.kid_subsets, "Number of KID subsets")->capture_default_str();
  command.add_option("--kid-subset-size", metrics.kid_subset_size,
                     "Rows per KID subset (default: min(1000, N_gen, N_ref))");
  command.add_option("--k", metrics.k, "Neighbour rank of the precision/recall radii")->capture_default_str();
}

}  // namespace

void add_eval_commands(CLI::App& app) {
  auto eval_options = std::make_shared<EvalOptions>();
  CLI::App* eval = app.add_subcommand(
      "eval", "Metrics of a snapshot's samples against reference statistics (or: eval ref, eval compare)");
  eval->require_subcommand(0, 1);
  evaluator::EvaluationJob& job = eval_options->job;
  eval->add_option("--snapshot", job.snapshot_path, "EMA snapshot file");
  eval->add_option("--ref", eval_options->ref, "Reference statistics (`dact eval ref`)");
  eval->add_option("--num", eval_options->num, "Number of generated images (default: the protocol's)");
  CLI::Option* seeds = eval->add_option("--seeds", eval_options->seeds, "Seed range A-B, inclusive (instead of --seed and --num)");
  eval->add_option("--protocol", eval_options->protocol,
                   "fid50k: 50,000 images of seeds 0-49999 (or --seeds), Inception-v3 with TF1 preprocessing");
  eval->add_option("--part-images", eval_options->part_images,
                   "Images per part, as eval.part_images splits evaluations during training")
      ->capture_default_str();
  eval->add_option("--features", job.feature_weights, "Feature network weights (default: the ref's)");
  eval->add_option("--preprocess", eval_options->preprocess, "Inception-v3 input pipeline: tf1 or pytorch-fid");
  CLI::Option* std_option =
      eval->add_option("--std", job.ema_std, "EMA track (its relative std)")->capture_default_str();
  eval->add_option("--ema", job.ema_name, "A classic EMA track by name (ema.classic) instead of --std")
      ->excludes(std_option);
  add_sampling_options(*eval, job);
  eval->add_option("--seed", job.seed_begin, "First image seed")->capture_default_str()->excludes(seeds);
  eval->add_option("--batch", job.batch, "Images per sampling batch")->capture_default_str();
  add_metric_options(*eval, eval_options->metrics);
  add_threads_option(*eval, eval_options->threads);
  eval->callback([eval, eval_options] {
    if (eval->get_subcommands().empty()) run_eval(*eval_options);
  });

  auto ref_options = std::make_shared<EvalRefOptions>();
  CLI::App* ref = eval->add_subcommand("ref", "Write the reference statistics of a dataset");
  CLI::Option* dataset =
      ref->add_option("--dataset", ref_options->dataset, "Dataset directory (or a converted root with train/, test/)");
  CLI::Option* import = ref->add_option("--import", ref_options->import_npz,
                                        "Statistics other tools wrote (.npz with mu, sigma; EDM's fid-refs, ADM's "
                                        "VIRTUAL_*.npz with its reference batch arr_0)");
  ref->add_option("--count", ref_options->import_count, "Image count recorded for --import (FD does not depend on it)")
      ->capture_default_str();
  CLI::Option* export_from = ref->add_option(
      "--export", ref_options->export_from, "Write these statistics (ours) to --out as EDM's .npz (mu, sigma)");
  dataset->excludes(import)->excludes(export_from);
  import->excludes(export_from);
  ref->add_option("--split", ref_options->split, "Split of a converted root: train or test")->capture_default_str();
  ref->add_option("--features", ref_options->features, "Feature network weights");
  ref->add_option("--preprocess", ref_options->preprocess, "Inception-v3 input pipeline: tf1 or pytorch-fid");
  ref->add_option("--out", ref_options->out, "Reference statistics file to write")->required();
  ref->add_option("--max-features", ref_options->max_features,
                  "Features kept for KID and precision/recall (0 = all; moments use every image)")
      ->capture_default_str();
  ref->add_option("--batch", ref_options->batch, "Images per forward pass")->capture_default_str();
  ref->callback([ref_options] { run_eval_ref(*ref_options); });

  auto compare_options = std::make_shared<EvalCompareOptions>();
  CLI::App* compare = eval->add_subcommand(
      "compare", "FD, KID and precision/recall of generated vs reference features, as JSON");
  compare->add_option("--gen", compare_options->gen, "Generated features, FILE.h5:DATASET [N, d]")->required();
  compare->add_option("--ref", compare_options->ref, "Reference features, FILE.h5:DATASET [N, d]")->required();
  add_metric_options(*compare, compare_options->metrics);
  compare->add_option("--seed", compare_options->metrics.seed, "Seed of the KID subset draw")->capture_default_str();
  compare->callback([compare_options] { run_eval_compare(*compare_options); });
}

}  // namespace dact::launch
