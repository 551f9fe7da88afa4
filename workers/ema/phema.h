#pragma once
// Power-function EMA profiles of EDM2 ("Analyzing and Improving the Training
// Dynamics of Diffusion Models", Karras et al. 2024, Appendix C), float64, named
// as in NVlabs/edm2 training/phema.py. Time (`ofs`, `t_next`, `t_delta`) is
// measured in training images; `std` is the relative standard deviation of a profile.
#include <stdexcept>

namespace dact::workers::ema {

// The exponent gamma of the power-function profile with relative std `std`: the
// largest real root of g^3 + 7 g^2 + (16 - std^-2) g + (12 - std^-2) = 0.
// Throws std::invalid_argument unless 0 < std <= ~0.3003 (gamma > -1).
double std_to_exp(double std);

// Per-update decay (1 - t_delta / t_next)^(gamma + 1) that tracks the profile.
double power_function_beta(double std, double t_next, double t_delta);

// Inner product of the profiles (a_ofs, a_std) and (b_ofs, b_std).
double power_function_correlation(double a_ofs, double a_std, double b_ofs, double b_std);

}  // namespace dact::workers::ema
