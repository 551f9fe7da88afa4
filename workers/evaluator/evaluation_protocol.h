#pragma once
// Evaluation protocols: how many images, which seeds and labels, and which feature
// network make a metric comparable with a paper's. "fid50k" is the FID of EDM, EDM2,
// ADM and StyleGAN: 50,000 images, Inception-v3 pool3 features with TF1's input
// pipeline. Our labels are balanced (image i has class i mod C, seeded_images.h)
// where EDM2's generate_images.py draws each image's class from its seed's generator;
// over 50,000 images both are uniform over the classes.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace dact::workers::evaluator {

struct EvaluationProtocol {
  std::string name;     // "fid50k"
  int64_t images = 0;   // seeds [seed_begin, seed_begin + images)
  std::string feature_net_prefix;  // what FeatureNetwork::name() must start with
};

// "fid50k"; anything else is std::invalid_argument listing the known ones.
EvaluationProtocol evaluation_protocol(const std::string& name);

// Throws std::invalid_argument naming `weights_path` when the network `feature_net`
// (FeatureNetwork::name()) is not the one `protocol` measures with.
void require_protocol_features(const EvaluationProtocol& protocol, const std::string& feature_net,
                               const std::string& weights_path);

// The FD key of a metrics line: "fid50k" when the protocol's images were all used,
// else "fd" and the image count ("fd256", "fd10k"), so a number from fewer images
// never passes for the protocol's. `protocol`: "" = none.
std::string fd_metric_name(const std::string& protocol, int64_t images);

// `metrics` (evaluation_metrics.h: "fd" and "images") with "fd" renamed by fd_metric_name.
nlohmann::json named_by_protocol(nlohmann::json metrics, const std::string& protocol);

// The key of a metrics line's FD, whichever name fd_metric_name gave it (or "fd", the
// key of lines written before names carried the image count); nullopt if it has none.
std::optional<std::string> fd_key_of_metrics_line(const nlohmann::json& line);

}  // namespace dact::workers::evaluator
