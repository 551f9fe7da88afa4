#include "storage/h5_error.h"

#include <cstdlib>
#include <cstring>

namespace dact::storage {
namespace {

// The system error of the last failed HDF5 call, e.g. "No space left on device".
std::string& last_system_error() {
  static std::string text;
  return text;
}

// HDF5's file drivers put "errno = 28, error message = 'No space left on device'" in
// the description of the innermost error.
herr_t remember_system_error(unsigned, const H5E_error2_t* error, void*) {
  if (error->desc == nullptr) return 0;
  const std::string description = error->desc;
  const size_t errno_at = description.find("errno = ");
  if (errno_at == std::string::npos) return 0;
  const int number = std::atoi(description.c_str() + errno_at + std::strlen("errno = "));
  if (number > 0) last_system_error() = std::strerror(number);
  return 1;  // stop the walk: the innermost system error is the cause
}

herr_t on_hdf5_error(hid_t stack, void*) {
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, remember_system_error, nullptr);
  return 0;
}

struct ReplaceHdf5ErrorPrinting {
  ReplaceHdf5ErrorPrinting() { H5Eset_auto2(H5E_DEFAULT, on_hdf5_error, nullptr); }
};
const ReplaceHdf5ErrorPrinting replace_hdf5_error_printing;

}  // namespace

std::string h5_error_reason(const H5::Exception& error) {
  std::string reason = error.getDetailMsg();
  if (!last_system_error().empty()) reason += ": " + last_system_error();
  last_system_error().clear();
  return reason;
}

}  // namespace dact::storage
