#include "workers/evaluator/reference_statistics.h"

#include <numeric>
#include <stdexcept>
#include <vector>

#include "models/features/weights_fingerprint.h"
#include "storage/storage_error.h"
#include "storage/tensor_file.h"

namespace dact::workers::evaluator {
namespace {

constexpr const char* kKind = "reference-statistics";

const torch::Tensor& required(const storage::TensorFile& file, const std::string& name, const std::string& path) {
  const auto found = file.tensors.find(name);
  if (found == file.tensors.end()) throw storage::StorageError(path, "missing tensor '" + name + "'");
  return found->second;
}

}  // namespace

void write_reference_statistics(const std::string& path, const ReferenceStatistics& reference) {
  storage::TensorFile file;
  file.metadata = {{"kind", kKind}, {"feature_net", reference.feature_net}, {"source", reference.source}};
  file.tensors["count"] = torch::tensor({reference.stats.count}, torch::kInt64);
  file.tensors["sum"] = reference.stats.sum;
  file.tensors["outer_sum"] = reference.stats.outer_sum;
  file.tensors["features"] = reference.features.to(torch::kFloat32).contiguous();
  storage::write_tensor_file(path, file);
}

ReferenceStatistics read_reference_statistics(const std::string& path) {
  const storage::TensorFile file = storage::read_tensor_file(path);
  if (file.metadata.value("kind", std::string()) != kKind) {
    throw storage::StorageError(path, "not reference statistics (metadata kind is not '" + std::string(kKind) +
                                          "'; write them with `dact eval ref`)");
  }
  const torch::Tensor& sum = required(file, "sum", path);
  const torch::Tensor& outer_sum = required(file, "outer_sum", path);
  const torch::Tensor& features = required(file, "features", path);
  const torch::Tensor& count = required(file, "count", path);
  const int64_t dim = sum.numel();
  if (sum.dim() != 1 || outer_sum.sizes() != torch::IntArrayRef({dim, dim}) || features.dim() != 2 ||
      features.size(1) != dim || count.numel() != 1) {
    throw storage::StorageError(path, "inconsistent shapes of count, sum, outer_sum and features");
  }
  ReferenceStatistics reference(dim);
  reference.feature_net = file.metadata.value("feature_net", std::string());
  reference.source = file.metadata.value("source", nlohmann::json::object());
  reference.stats.count = count.item<int64_t>();
  reference.stats.sum = sum.to(torch::kFloat64);
  reference.stats.outer_sum = outer_sum.to(torch::kFloat64);
  reference.features = features.to(torch::kFloat32);
  return reference;
}

ReferenceStatistics compute_reference_statistics(const storage::ShardDataset& dataset,
                                                 models::features::FeatureNetwork& features, int64_t batch,
                                                 int64_t max_features) {
  if (dataset.manifest().dtype != "uint8") {
    throw storage::StorageError(dataset.dir(), "reference statistics need uint8 images, the dataset holds " +
                                                   dataset.manifest().dtype + " " + dataset.manifest().sample_key);
  }
  if (batch < 1) throw std::invalid_argument("batch must be >= 1");
  const int64_t n = dataset.size();
  torch::Tensor keep = torch::ones({n}, torch::kBool);
  if (max_features > 0 && max_features < n) {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
    keep = torch::zeros({n}, torch::kBool);
    keep.index_fill_(0, torch::randperm(n, generator, torch::kInt64).slice(0, 0, max_features), true);
  }
  ReferenceStatistics reference(features.dim());
  reference.feature_net = features.name();
  std::vector<torch::Tensor> kept;
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int64_t end = std::min(begin + batch, n);
    std::vector<int64_t> indices(end - begin);
    std::iota(indices.begin(), indices.end(), begin);
    const torch::Tensor batch_features = features.features(dataset.read(indices).samples).to(torch::kFloat32);
    reference.stats.add(batch_features);
    kept.push_back(batch_features.index({keep.slice(0, begin, end)}));
  }
  reference.features = kept.empty() ? torch::empty({0, features.dim()}, torch::kFloat32) : torch::cat(kept);
  return reference;
}

std::string reference_fingerprint(const ReferenceStatistics& reference) {
  return models::features::weights_fingerprint({{"count", torch::tensor(reference.stats.count, torch::kInt64)},
                                                {"sum", reference.stats.sum},
                                                {"outer_sum", reference.stats.outer_sum},
                                                {"features", reference.features}});
}

}  // namespace dact::workers::evaluator
