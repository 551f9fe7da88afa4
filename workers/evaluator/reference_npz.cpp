#include "workers/evaluator/reference_npz.h"

#include <fmt/format.h>

#include "storage/npz_file.h"
#include "storage/storage_error.h"

namespace dact::workers::evaluator {

namespace {

const torch::Tensor& array_of(const std::map<std::string, torch::Tensor>& arrays, const std::string& name,
                              const std::string& path) {
  const auto found = arrays.find(name);
  if (found == arrays.end()) throw storage::StorageError(path, "holds no array '" + name + "'");
  return found->second;
}

}  // namespace

ReferenceStatistics import_reference_npz(const std::string& path, models::features::FeatureNetwork& net,
                                         int64_t count, int64_t batch) {
  if (count < 2) throw std::invalid_argument("the image count of imported statistics must be >= 2");
  const std::map<std::string, torch::Tensor> arrays = storage::read_npz(path);
  const torch::Tensor mu = array_of(arrays, "mu", path).to(torch::kFloat64);
  const torch::Tensor sigma = array_of(arrays, "sigma", path).to(torch::kFloat64);
  const int64_t d = net.dim();
  if (mu.sizes() != torch::IntArrayRef{d} || sigma.sizes() != torch::IntArrayRef{d, d}) {
    throw storage::StorageError(path, fmt::format("mu {} and sigma {} do not fit features of d = {} ({})",
                                                  c10::str(mu.sizes()), c10::str(sigma.sizes()), d, net.name()));
  }
  ReferenceStatistics reference(d);
  reference.feature_net = net.name();
  reference.stats.count = count;
  reference.stats.sum = mu * static_cast<double>(count);
  reference.stats.outer_sum = sigma * static_cast<double>(count - 1) + torch::outer(mu, mu) * static_cast<double>(count);
  reference.features = torch::empty({0, d}, torch::kFloat32);
  const auto images = arrays.find("arr_0");
  if (images != arrays.end()) {
    const torch::Tensor& nhwc = images->second;
    if (nhwc.dim() != 4 || nhwc.scalar_type() != torch::kUInt8) {
      throw storage::StorageError(path + ":arr_0", fmt::format("expected uint8 images [N, H, W, C], got {} {}",
                                                               c10::toString(nhwc.scalar_type()), c10::str(nhwc.sizes())));
    }
    std::vector<torch::Tensor> features;
    for (int64_t begin = 0; begin < nhwc.size(0); begin += batch) {
      const torch::Tensor nchw = nhwc.slice(0, begin, std::min(begin + batch, nhwc.size(0))).permute({0, 3, 1, 2});
      features.push_back(net.features(nchw.contiguous()).to(torch::kFloat32));
    }
    if (!features.empty()) reference.features = torch::cat(features);
  }
  reference.source = {{"imported_from", path}, {"count", count}};
  return reference;
}

void export_reference_npz(const ReferenceStatistics& reference, const std::string& path) {
  storage::write_npz(path, {{"mu", reference.stats.mean()}, {"sigma", reference.stats.covariance()}});
}

}  // namespace dact::workers::evaluator
