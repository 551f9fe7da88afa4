#include "storage/fault_injection.h"

#include <cstdlib>
#include <mutex>

#include "storage/storage_error.h"

namespace dact::storage {
namespace {

struct WriteFault {
  bool armed = false;
  std::string substring;
  long nth = 0;
  long seen = 0;
};

WriteFault parse_fault() {
  WriteFault fault;
  const char* spec = std::getenv("DACT_FAULT_INJECT");
  if (spec == nullptr) return fault;
  const std::string text(spec);
  const std::string prefix = "fail_write:";
  const size_t last_colon = text.rfind(':');
  if (text.rfind(prefix, 0) != 0 || last_colon < prefix.size()) {
    throw StorageError("DACT_FAULT_INJECT", "expected fail_write:<substring>:<n>, got '" + text + "'");
  }
  fault.substring = text.substr(prefix.size(), last_colon - prefix.size());
  fault.nth = std::strtol(text.c_str() + last_colon + 1, nullptr, 10);
  fault.armed = fault.nth > 0;
  return fault;
}

}  // namespace

void maybe_inject_write_fault(const std::string& path) {
  static std::mutex mutex;
  static WriteFault fault = parse_fault();
  std::lock_guard<std::mutex> lock(mutex);
  if (!fault.armed || path.find(fault.substring) == std::string::npos) return;
  if (++fault.seen == fault.nth) throw StorageError(path, "injected write failure (DACT_FAULT_INJECT)");
}

}  // namespace dact::storage
