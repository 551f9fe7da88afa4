#include "launch/sweep/sweep_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "launch/sweep/sweep_files.h"
#include "storage/png_writer.h"

namespace dact::launch {
namespace {

constexpr int64_t kWidth = 640, kHeight = 400;
constexpr int64_t kLeft = 70, kRight = 110, kTop = 20, kBottom = 50;  // margins: labels, legend
constexpr int64_t kScale = 2;  // pixels per glyph dot

using Color = std::array<uint8_t, 3>;
// Distinct on white, in order of the guidance weights.
constexpr std::array<Color, 6> kPalette = {
    {{31, 119, 180}, {214, 39, 40}, {44, 160, 44}, {148, 103, 189}, {255, 127, 14}, {23, 190, 207}}};

// 3x5 glyphs, rows top to bottom, '#' = ink: just what the labels need.
const char* glyph(char c) {
  switch (c) {
    case '0': return "####.##.##.####";
    case '1': return ".#.##..#..#.###";
    case '2': return "###..#####..###";
    case '3': return "###..####..####";
    case '4': return "#.##.####..#..#";
    case '5': return "####..###..####";
    case '6': return "####..####.####";
    case '7': return "###..#..#..#..#";
    case '8': return "####.#####.####";
    case '9': return "####.####..####";
    case '.': return "............#..";
    case '-': return "......###......";
    case '=': return "...###...###...";
    case 'F': return "####..##.#..#..";
    case 'D': return "##.#.##.##.###.";
    case 's': return "....##.#...###.";
    case 't': return ".#.###.#..#..##";
    case 'd': return "..#..#####.####";
    case 'w': return "...#.##.#####.#";
    default: return "...............";
  }
}

class Canvas {
 public:
  Canvas() : image_(torch::full({3, kHeight, kWidth}, 255, torch::kUInt8)), pixels_(image_.accessor<uint8_t, 3>()) {}

  void dot(int64_t x, int64_t y, const Color& color) {
    if (x < 0 || y < 0 || x >= kWidth || y >= kHeight) return;
    for (int c = 0; c < 3; ++c) pixels_[c][y][x] = color[c];
  }
  void box(int64_t x0, int64_t y0, int64_t x1, int64_t y1, const Color& color) {
    for (int64_t y = y0; y <= y1; ++y) {
      for (int64_t x = x0; x <= x1; ++x) dot(x, y, color);
    }
  }
  // Bresenham, 2 pixels thick.
  void line(int64_t x0, int64_t y0, int64_t x1, int64_t y1, const Color& color) {
    const int64_t dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int64_t sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    for (int64_t error = dx + dy;;) {
      box(x0, y0, x0 + 1, y0 + 1, color);
      if (x0 == x1 && y0 == y1) return;
      const int64_t twice = 2 * error;
      if (twice >= dy) error += dy, x0 += sx;
      if (twice <= dx) error += dx, y0 += sy;
    }
  }
  void text(int64_t x, int64_t y, const std::string& text, const Color& color) {
    for (char c : text) {
      const char* bits = glyph(c);
      for (int64_t row = 0; row < 5; ++row) {
        for (int64_t col = 0; col < 3; ++col) {
          if (bits[row * 3 + col] == '#') {
            box(x + col * kScale, y + row * kScale, x + col * kScale + kScale - 1, y + row * kScale + kScale - 1,
                color);
          }
        }
      }
      x += 4 * kScale;
    }
  }
  static int64_t text_width(const std::string& text) { return static_cast<int64_t>(text.size()) * 4 * kScale; }

  torch::Tensor take() { return image_; }

 private:
  torch::Tensor image_;
  torch::TensorAccessor<uint8_t, 3> pixels_;
};

// About `count` round tick values covering [low, high].
std::vector<double> ticks(double low, double high, int count) {
  const double raw = (high - low) / count;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> values;
  for (double value = std::ceil(low / step - 1e-9) * step; value <= high + 1e-9 * step; value += step) {
    values.push_back(std::abs(value) < 1e-12 * step ? 0 : value);
  }
  return values;
}

std::string tick_label(double value, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", value, decimals);
}

}  // namespace

torch::Tensor sweep_plot(const SweepPlan& plan, const std::map<size_t, nlohmann::json>& lines) {
  double fd_low = std::numeric_limits<double>::infinity(), fd_high = -fd_low;
  for (const auto& [pair, line] : lines) {
    fd_low = std::min(fd_low, sweep_line_fd(line));
    fd_high = std::max(fd_high, sweep_line_fd(line));
  }
  if (lines.empty()) fd_low = 0, fd_high = 1;
  const double fd_pad = std::max(0.05 * (fd_high - fd_low), 1e-6 * std::max(1.0, std::abs(fd_high)));
  fd_low -= fd_pad, fd_high += fd_pad;
  double std_low = plan.stds.front(), std_high = plan.stds.back();
  if (std_high == std_low) std_low -= 0.005, std_high += 0.005;

  const int64_t plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto px = [&](double std) { return kLeft + std::lround((std - std_low) / (std_high - std_low) * plot_w); };
  const auto py = [&](double fd) { return kTop + plot_h - std::lround((fd - fd_low) / (fd_high - fd_low) * plot_h); };

  Canvas canvas;
  const Color black = {0, 0, 0}, grey = {225, 225, 225};
  const std::vector<double> x_ticks = ticks(std_low, std_high, 6), y_ticks = ticks(fd_low, fd_high, 6);
  for (double x : x_ticks) {
    canvas.line(px(x), kTop, px(x), kTop + plot_h, grey);
    const std::string label = tick_label(x, x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : x);
    canvas.text(px(x) - Canvas::text_width(label) / 2, kTop + plot_h + 8, label, black);
  }
  for (double y : y_ticks) {
    canvas.line(kLeft, py(y), kLeft + plot_w, py(y), grey);
    const std::string label = tick_label(y, y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : y);
    canvas.text(kLeft - 6 - Canvas::text_width(label), py(y) - 5, label, black);
  }
  canvas.line(kLeft, kTop, kLeft, kTop + plot_h, black);
  canvas.line(kLeft, kTop + plot_h, kLeft + plot_w, kTop + plot_h, black);
  canvas.text(kLeft + plot_w / 2 - Canvas::text_width("std") / 2, kHeight - 18, "std", black);
  canvas.text(8, kTop, "FD", black);

  for (size_t g = 0; g < plan.guidances.size(); ++g) {
    const Color& color = kPalette[g % kPalette.size()];
    int64_t last_x = -1, last_y = -1;
    for (size_t s = 0; s < plan.stds.size(); ++s) {
      const auto found = lines.find(s * plan.guidances.size() + g);
      if (found == lines.end()) continue;
      const int64_t x = px(plan.stds[s]), y = py(sweep_line_fd(found->second));
      if (last_x >= 0) canvas.line(last_x, last_y, x, y, color);
      canvas.box(x - 2, y - 2, x + 3, y + 3, color);
      last_x = x, last_y = y;
    }
    const int64_t legend_y = kTop + 10 + static_cast<int64_t>(g) * 20;
    canvas.box(kWidth - kRight + 12, legend_y, kWidth - kRight + 24, legend_y + 9, color);
    canvas.text(kWidth - kRight + 30, legend_y, fmt::format("w={:g}", plan.guidances[g]), black);
  }
  return canvas.take();
}

void write_sweep_plot(const std::string& path, const SweepPlan& plan, const std::map<size_t, nlohmann::json>& lines) {
  storage::write_png(path, sweep_plot(plan, lines));
}

}  // namespace dact::launch
