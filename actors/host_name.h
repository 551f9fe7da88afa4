#pragma once
// This machine's name (gethostname), for addresses, member names and the member table.
#include <string>

namespace dact::actors {

std::string host_name();

}  // namespace dact::actors
