#include "launch/commands/eval_command.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "models/metrics/feature_statistics.h"
#include "models/metrics/frechet_distance.h"
#include "models/metrics/kernel_inception_distance.h"
#include "models/metrics/precision_recall.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

struct EvalCompareOptions {
  std::string gen;
  std::string ref;
  int64_t kid_subsets = 100;
  int64_t kid_subset_size = 1000;  // capped at the smaller set unless given
  int64_t k = 3;
  uint64_t seed = 0;
};

// Reads the [N, d] floating feature matrix named by "FILE.h5:DATASET" as float64.
torch::Tensor read_feature_matrix(const std::string& spec) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    throw std::invalid_argument("feature set '" + spec + "': expected FILE.h5:DATASET");
  }
  const std::string path = spec.substr(0, colon);
  const std::string dataset = spec.substr(colon + 1);
  const H5::H5File file = storage::open_h5_for_reading(path);
  const torch::Tensor features = storage::read_h5_tensor(file, dataset);
  if (features.dim() != 2 || !features.is_floating_point() || features.size(0) < 2) {
    throw storage::StorageError(path, "dataset '" + dataset +
                                          "': expected floating features [N, d] with N >= 2, got " +
                                          std::string(c10::toString(features.scalar_type())) +
                                          " " + c10::str(features.sizes()));
  }
  return features.to(torch::kFloat64);
}

models::metrics::FeatureStatistics statistics_of(const torch::Tensor& features) {
  models::metrics::FeatureStatistics stats(features.size(1));
  stats.add(features);
  return stats;
}

void run_eval_compare(const EvalCompareOptions& options, bool subset_size_given) {
  namespace metrics = models::metrics;
  const torch::Tensor gen = read_feature_matrix(options.gen);
  const torch::Tensor ref = read_feature_matrix(options.ref);
  if (gen.size(1) != ref.size(1)) {
    throw std::invalid_argument("feature dimensions differ: " + options.gen + " has d = " +
                                std::to_string(gen.size(1)) + ", " + options.ref + " has d = " +
                                std::to_string(ref.size(1)));
  }
  const auto gen_stats = statistics_of(gen);
  const auto ref_stats = statistics_of(ref);
  const double fd = metrics::frechet_distance(gen_stats.mean(), gen_stats.covariance(),
                                              ref_stats.mean(), ref_stats.covariance());

  const int64_t subset_size =
      subset_size_given ? options.kid_subset_size
                        : std::min({options.kid_subset_size, gen.size(0), ref.size(0)});
  // Different seeds for the two sets so their subsets are drawn independently.
  const torch::Tensor gen_subsets =
      metrics::kid_subset_indices(gen.size(0), options.kid_subsets, subset_size, options.seed);
  const torch::Tensor ref_subsets = metrics::kid_subset_indices(
      ref.size(0), options.kid_subsets, subset_size, options.seed + 1);
  const auto kid = metrics::kernel_inception_distance(gen, ref, gen_subsets, ref_subsets);

  const auto pr = metrics::precision_recall(gen, ref, options.k);

  std::printf("{\"fd\": %.17g, \"kid_mean\": %.17g, \"kid_std\": %.17g, \"precision\": %.17g, "
              "\"recall\": %.17g}\n",
              fd, kid.mean, kid.std, pr.precision, pr.recall);
}

}  // namespace

void add_eval_commands(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Evaluate generated samples");
  eval->require_subcommand(1);

  auto options = std::make_shared<EvalCompareOptions>();
  CLI::App* compare = eval->add_subcommand(
      "compare", "FD, KID and precision/recall of generated vs reference features, as JSON");
  compare->add_option("--gen", options->gen, "Generated features, FILE.h5:DATASET [N, d]")
      ->required();
  compare->add_option("--ref", options->ref, "Reference features, FILE.h5:DATASET [N, d]")
      ->required();
  compare->add_option("--kid-subsets", options->kid_subsets, "Number of KID subsets")
      ->capture_default_str();
  CLI::Option* subset_size =
      compare->add_option("--kid-subset-size", options->kid_subset_size,
                          "Rows per KID subset (default: min(1000, N_gen, N_ref))");
  compare->add_option("--k", options->k, "Neighbour rank of the precision/recall radii")
      ->capture_default_str();
  compare->add_option("--seed", options->seed, "Seed of the KID subset draw")
      ->capture_default_str();
  compare->callback([options, subset_size] { run_eval_compare(*options, subset_size->count() > 0); });
}

}  // namespace dact::launch
