#include "launch/supervisor/rank_output_tag.h"

#include <regex>

namespace dact::launch {

OutputLine split_rank_tag(const std::string& line) {
  static const std::regex tag(R"(^\[\d+,\d+\]<(?:stdout|stderr|stddiag)>:)");
  std::smatch match;
  if (!std::regex_search(line, match, tag)) return {false, line};
  return {true, line.substr(static_cast<size_t>(match.length(0)))};
}

}  // namespace dact::launch
