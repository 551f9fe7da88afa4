// The run-config fingerprint that every member must share with the coordinator.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>

namespace dact::coordinator {

// XXH64 of the config's canonical JSON text (keys sorted, no whitespace), so two configs
// that differ only in key order or formatting hash the same.
uint64_t config_hash(const nlohmann::json& config);

}  // namespace dact::coordinator
