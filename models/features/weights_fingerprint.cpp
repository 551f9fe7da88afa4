#include "models/features/weights_fingerprint.h"

#include <cstdio>

#include "storage/checksum.h"

namespace dact::models::features {

std::string weights_fingerprint(const std::map<std::string, torch::Tensor>& weights) {
  uint64_t hash = 0;
  for (const auto& [name, tensor] : weights) {
    const torch::Tensor data = tensor.detach().contiguous();
    const std::string header = name + "|" + c10::toString(data.scalar_type()) + "|" + c10::str(data.sizes());
    hash = storage::xxh64_of(header.data(), header.size(), hash);
    hash = storage::xxh64_of(data.data_ptr(), data.numel() * data.element_size(), hash);
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace dact::models::features
