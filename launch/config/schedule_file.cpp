#include "launch/config/schedule_file.h"

#include <fstream>

#include "config/config_error.h"
#include "models/diffusion/edm_sampler_controls.h"

namespace dact::launch {

std::vector<double> read_schedule_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw config::ConfigError("schedule file '" + path + "': cannot be read");
  models::EdmSamplerControls controls;
  try {
    const nlohmann::json document = nlohmann::json::parse(in);
    controls.sigmas = document.at("sigmas").get<std::vector<double>>();
    controls.validate();
  } catch (const std::exception& e) {
    throw config::ConfigError("schedule file '" + path + "': " + e.what());
  }
  return controls.sigmas;
}

void write_schedule_file(const std::string& path, const nlohmann::json& document) {
  std::ofstream out(path);
  out << document.dump(2) << "\n";
  if (!out) throw std::runtime_error("cannot write schedule file '" + path + "'");
}

}  // namespace dact::launch
