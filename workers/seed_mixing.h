#pragma once
// Derives independent RNG seeds from a run seed and coordinates (epoch, step, round,
// rank...) with splitmix64 (Steele et al. 2014), so nearby inputs give unrelated seeds.
#include <cstdint>
#include <initializer_list>

namespace dact::workers {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline uint64_t mix_seed(std::initializer_list<uint64_t> parts) {
  uint64_t seed = 0;
  for (uint64_t part : parts) seed = splitmix64(seed ^ part);
  return seed;
}

}  // namespace dact::workers
