// Reader and writer of float32 .npy files (the NumPy array format).
#include "mamba/npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace mamba {

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

std::string shapeTuple(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += std::to_string(shape[i]) +
         (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
  return s + ")";
}

/// The text after `'key':` in a header dict, with leading spaces skipped.
std::string valueAfter(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return {};
  at = header.find(':', at);
  if (at == std::string::npos)
    return {};
  ++at;
  while (at < header.size() && header[at] == ' ')
    ++at;
  return header.substr(at);
}

} // namespace

Status writeNpyF32(const std::string &path, const float *data,
                   const std::vector<int64_t> &shape) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeTuple(shape) +
      ", }";
  // Pad with spaces and a final newline so the data starts 64-byte aligned.
  size_t total = kMagicSize + 2 + 2 + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  if (dict.size() > 65535)
    return Status::error(path + ": shape too long for an .npy v1.0 header");

  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return Status::error(path +
                         ": cannot open for writing: " + std::strerror(errno));
  unsigned char prefix[10];
  std::memcpy(prefix, kMagic, kMagicSize);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix[8] = static_cast<unsigned char>(dict.size() & 0xFF);
  prefix[9] = static_cast<unsigned char>(dict.size() >> 8);
  bool ok = std::fwrite(prefix, 1, 10, f) == 10 &&
            std::fwrite(dict.data(), 1, dict.size(), f) == dict.size();
  if (ok && count > 0)
    ok = std::fwrite(data, sizeof(float), static_cast<size_t>(count), f) ==
         static_cast<size_t>(count);
  ok = std::fclose(f) == 0 && ok;
  if (!ok)
    return Status::error(path + ": write failed");
  return Status::success();
}

Expected<NpyArray> readNpyF32(const std::string &path) {
  auto fail = [&](const std::string &what) {
    return Status::error(path + ": " + what);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail("cannot open");
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, kMagicSize, kMagic) != 0)
    return fail("not an .npy file (bad magic)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                static_cast<unsigned char>(bytes[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = headerLen << 8 | static_cast<unsigned char>(bytes[8 + i]);
    headerStart = 12;
  } else {
    return fail("unsupported .npy version " + std::to_string(major));
  }
  if (headerStart + headerLen > bytes.size())
    return fail("header runs past the end of the file");
  std::string header = bytes.substr(headerStart, headerLen);
  if (valueAfter(header, "descr").rfind("'<f4'", 0) != 0)
    return fail("expected dtype '<f4' (little-endian float32)");
  if (valueAfter(header, "fortran_order").rfind("False", 0) != 0)
    return fail("expected fortran_order False");
  std::string shapeText = valueAfter(header, "shape");
  if (shapeText.empty() || shapeText[0] != '(')
    return fail("missing shape");
  NpyArray array;
  int64_t count = 1;
  size_t i = 1;
  while (i < shapeText.size() && shapeText[i] != ')') {
    if (shapeText[i] == ',' || shapeText[i] == ' ') {
      ++i;
      continue;
    }
    if (shapeText[i] < '0' || shapeText[i] > '9')
      return fail("malformed shape");
    int64_t d = 0;
    while (i < shapeText.size() && shapeText[i] >= '0' && shapeText[i] <= '9')
      d = d * 10 + (shapeText[i++] - '0');
    array.shape.push_back(d);
    count *= d;
  }
  size_t dataStart = headerStart + headerLen;
  if (bytes.size() - dataStart != static_cast<size_t>(count) * sizeof(float))
    return fail("data is " + std::to_string(bytes.size() - dataStart) +
                " bytes, shape needs " + std::to_string(count * sizeof(float)));
  array.data.resize(static_cast<size_t>(count));
  if (count > 0)
    std::memcpy(array.data.data(), bytes.data() + dataStart,
                static_cast<size_t>(count) * sizeof(float));
  return array;
}

} // namespace mamba
