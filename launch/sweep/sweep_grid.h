#pragma once
// The grid of a post-hoc EMA sweep (`dact ema sweep`): the EMA stds and guidance weights
// whose every pair is evaluated, parsed from the command line with errors that name the
// option and say what is wrong.
#include <string>
#include <vector>

namespace dact::launch {

// "LOW:HIGH:COUNT": COUNT stds evenly spaced from LOW to HIGH, both included (COUNT 1
// needs LOW == HIGH), rounded to 12 decimals. Throws std::invalid_argument naming --stds for a malformed string,
// COUNT < 1, HIGH < LOW, an std without a power-function profile (phema.h), or two stds
// that round to the same reconstructed file name (3 decimals).
std::vector<double> parse_std_range(const std::string& text);

// "1.0,1.2,1.4": guidance weights (1 = none). Throws std::invalid_argument naming
// --guidance for an empty entry, a non-number, a negative weight or a repeated one.
std::vector<double> parse_guidance_list(const std::string& text);

}  // namespace dact::launch
