#include "storage/image_sources/jpeg_image.h"

// jpeglib.h needs FILE and size_t declared first.
#include <cstddef>
#include <cstdio>
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <csetjmp>
#include <cstring>
#include <vector>

#include "storage/storage_error.h"

namespace dact::storage {
namespace {

// libjpeg reports errors through error_exit, which by default prints and calls exit().
// Ours long-jumps back to the step that called libjpeg; the steps below hold only
// trivially destructible locals, so the jump skips no destructor.
struct JpegErrorTrap {
  jpeg_error_mgr manager;  // first member: libjpeg hands back a pointer to it
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpeg_trap_error(j_common_ptr info) {
  JpegErrorTrap* trap = reinterpret_cast<JpegErrorTrap*>(info->err);
  (*info->err->format_message)(info, trap->message);
  std::longjmp(trap->jump, 1);
}

void jpeg_trap_message(j_common_ptr info, int level) {
  if (level >= 0) return;  // trace messages
  // A truncated file is only a warning to libjpeg (the rest decodes as grey); Pillow
  // refuses it ("image file is truncated"), and so do we.
  if (info->err->msg_code == JWRN_JPEG_EOF) jpeg_trap_error(info);
  ++info->err->num_warnings;
}

// Reads the header and starts decompression to RGB (or CMYK for 4-channel files).
bool jpeg_start(jpeg_decompress_struct* info, JpegErrorTrap* trap, std::string_view bytes) {
  if (setjmp(trap->jump)) return false;
  jpeg_create_decompress(info);
  jpeg_mem_src(info, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(info, TRUE);
  const bool four_channel = info->jpeg_color_space == JCS_CMYK || info->jpeg_color_space == JCS_YCCK;
  info->out_color_space = four_channel ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(info);
  return true;
}

// Decodes every row into `out` (H x W x output_components bytes) and finishes.
bool jpeg_read_rows(jpeg_decompress_struct* info, JpegErrorTrap* trap, unsigned char* out) {
  if (setjmp(trap->jump)) return false;
  const size_t row_bytes = static_cast<size_t>(info->output_width) * info->output_components;
  while (info->output_scanline < info->output_height) {
    JSAMPROW row = out + info->output_scanline * row_bytes;
    jpeg_read_scanlines(info, &row, 1);
  }
  jpeg_finish_decompress(info);
  return true;
}

// Pillow's MULDIV255: a * b / 255 rounded, in integers.
int pil_muldiv255(int a, int b) {
  const int product = a * b + 128;
  return ((product >> 8) + product) >> 8;
}

// Pillow reads 4-channel JPEGs as "CMYK;I" (inverted, the Adobe convention), then
// Convert.c cmyk2rgb: R = (255 - K) - (255 - K) * C / 255, and so on.
void pil_inverted_cmyk_to_rgb(const unsigned char* cmyk, size_t pixel_count, uint8_t* rgb) {
  for (size_t i = 0; i < pixel_count; ++i) {
    const unsigned char* stored = cmyk + 4 * i;
    const int not_black = stored[3];  // 255 - K, K = 255 - stored
    for (int c = 0; c < 3; ++c) {
      const int ink = 255 - stored[c];
      rgb[3 * i + c] = static_cast<uint8_t>(not_black - pil_muldiv255(ink, not_black));
    }
  }
}

// Destroys the decompressor however decode_jpeg_rgb leaves.
struct JpegDecompressor {
  jpeg_decompress_struct info;
  JpegDecompressor() { std::memset(&info, 0, sizeof info); }
  ~JpegDecompressor() { jpeg_destroy_decompress(&info); }  // a no-op before create
};

}  // namespace

torch::Tensor decode_jpeg_rgb(std::string_view bytes, const std::string& name) {
  JpegDecompressor decompressor;
  JpegErrorTrap trap;
  decompressor.info.err = jpeg_std_error(&trap.manager);
  trap.manager.error_exit = jpeg_trap_error;
  trap.manager.emit_message = jpeg_trap_message;
  if (!jpeg_start(&decompressor.info, &trap, bytes)) {
    throw StorageError(name, std::string("cannot decode JPEG: ") + trap.message);
  }
  const int64_t height = decompressor.info.output_height;
  const int64_t width = decompressor.info.output_width;
  torch::Tensor pixels = torch::empty({height, width, 3}, torch::kUInt8);
  const bool cmyk = decompressor.info.out_color_space == JCS_CMYK;
  std::vector<unsigned char> cmyk_rows(cmyk ? static_cast<size_t>(height * width * 4) : 0);
  unsigned char* rows = cmyk ? cmyk_rows.data() : pixels.data_ptr<uint8_t>();
  if (!jpeg_read_rows(&decompressor.info, &trap, rows)) {
    throw StorageError(name, std::string("cannot decode JPEG: ") + trap.message);
  }
  if (cmyk) {
    pil_inverted_cmyk_to_rgb(rows, static_cast<size_t>(height * width), pixels.data_ptr<uint8_t>());
  }
  return pixels.permute({2, 0, 1}).contiguous();
}

}  // namespace dact::storage
