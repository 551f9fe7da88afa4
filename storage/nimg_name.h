#pragma once
// The training-time part of file names (snapshots, preview grids, post-hoc
// reconstructions), from the exact image count: "KKKKKK" for a whole number of kimg
// (the names runs always had), "KKKKKK.FFF" otherwise, with FFF = nimg mod 1000. Two
// image counts never share a name, so a snapshot never overwrites an earlier one of the
// same kimg (snapshot_every_kimg below 1, or a final snapshot inside a periodic one's kimg).
#include <cstdint>
#include <optional>
#include <string>

namespace dact::storage {

// "000016" for nimg 16000, "000000.064" for 64. Throws std::invalid_argument for nimg < 0.
std::string nimg_name(int64_t nimg);

// The inverse: the image count of a name nimg_name made; nullopt for anything else (no
// padding, "000002.000", letters), so every time has exactly one name.
std::optional<int64_t> parse_nimg_name(const std::string& name);

// parse_nimg_name, throwing std::invalid_argument naming `file` for a malformed name.
int64_t nimg_of_name(const std::string& name, const std::string& file);

}  // namespace dact::storage
