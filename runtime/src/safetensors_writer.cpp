// Writes .safetensors files: used by tools to save random weights and by
// tests to build valid, truncated and corrupted files.
#include "mamba/safetensors.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mamba {

namespace {

/// JSON string literal for a tensor name or metadata text.
std::string quoteJson(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

} // namespace

TensorData makeTensorData(std::string name, std::vector<int64_t> shape,
                          const std::vector<float> &values, DType dtype) {
  TensorData t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes.resize(values.size() * dtypeSize(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::F32) {
      std::memcpy(&t.bytes[4 * i], &values[i], 4);
      continue;
    }
    uint16_t h =
        dtype == DType::F16 ? floatToHalf(values[i]) : floatToBf16(values[i]);
    t.bytes[2 * i] = static_cast<unsigned char>(h & 0xFF);
    t.bytes[2 * i + 1] = static_cast<unsigned char>(h >> 8);
  }
  return t;
}

std::vector<unsigned char> serializeSafetensors(
    const std::vector<TensorData> &tensors,
    const std::vector<std::pair<std::string, std::string>> &metadata) {
  std::string header = "{";
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i)
        header += ",";
      header +=
          quoteJson(metadata[i].first) + ":" + quoteJson(metadata[i].second);
    }
    header += "}";
    first = false;
  }
  uint64_t offset = 0;
  for (const TensorData &t : tensors) {
    if (!first)
      header += ",";
    first = false;
    header += quoteJson(t.name) + ":{\"dtype\":\"" + dtypeName(t.dtype) +
              "\",\"shape\":" + formatShape(t.shape) + ",\"data_offsets\":[" +
              std::to_string(offset) + "," +
              std::to_string(offset + t.bytes.size()) + "]}";
    offset += t.bytes.size();
  }
  header += "}";
  // Padding keeps the data region 8-byte aligned in the file.
  while (header.size() % 8 != 0)
    header += ' ';

  std::vector<unsigned char> out;
  out.reserve(8 + header.size() + offset);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<unsigned char>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  for (const TensorData &t : tensors)
    out.insert(out.end(), t.bytes.begin(), t.bytes.end());
  return out;
}

Status writeFileBytes(const std::string &path,
                      const std::vector<unsigned char> &bytes) {
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return Status::error(path +
                         ": cannot open for writing: " + std::strerror(errno));
  size_t written =
      bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), f);
  bool closed = std::fclose(f) == 0;
  if (written != bytes.size() || !closed)
    return Status::error(path + ": write failed");
  return Status::success();
}

Status writeSafetensors(
    const std::string &path, const std::vector<TensorData> &tensors,
    const std::vector<std::pair<std::string, std::string>> &metadata) {
  return writeFileBytes(path, serializeSafetensors(tensors, metadata));
}

} // namespace mamba
