#include "storage/nimg_name.h"

#include <fmt/format.h>

#include <regex>
#include <stdexcept>

namespace dact::storage {

std::string nimg_name(int64_t nimg) {
  if (nimg < 0) throw std::invalid_argument(fmt::format("image count {} is negative", nimg));
  const int64_t kimg = nimg / 1000, rest = nimg % 1000;
  return rest == 0 ? fmt::format("{:06d}", kimg) : fmt::format("{:06d}.{:03d}", kimg, rest);
}

std::optional<int64_t> parse_nimg_name(const std::string& name) {
  // At most 15 kimg digits: the image count then fits int64 with room to spare.
  static const std::regex kName(R"((\d{6,15})(?:\.(\d{3}))?)");
  std::smatch match;
  if (!std::regex_match(name, match, kName)) return std::nullopt;
  const int64_t nimg = std::stoll(match[1].str()) * 1000 + (match[2].matched ? std::stoll(match[2].str()) : 0);
  if (nimg_name(nimg) != name) return std::nullopt;  // "0000016" or "000002.000": not the one spelling
  return nimg;
}

int64_t nimg_of_name(const std::string& name, const std::string& file) {
  if (std::optional<int64_t> nimg = parse_nimg_name(name)) return *nimg;
  throw std::invalid_argument(file + ": '" + name +
                              "' is not a training time as files are named (KKKKKK kimg, or KKKKKK.FFF "
                              "with FFF the images past KKKKKK kimg, 001..999)");
}

}  // namespace dact::storage
