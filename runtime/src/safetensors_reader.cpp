// Opens a .safetensors file: mmap, then validate the header (JSON, dtypes,
// shapes, offsets) completely before handing out any tensor data.
#include "mamba/json.h"
#include "mamba/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mamba {

namespace {

/// The safetensors reference implementation refuses headers above 100 MB;
/// a larger length is a corrupt file, not a big model.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

std::string formatOffsets(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

/// Validates one tensor entry of the header into `info`.
Status parseTensorEntry(const std::string &name, const JsonValue &entry,
                        uint64_t dataSize, TensorInfo &info) {
  auto fail = [&](const std::string &what) {
    return Status::error("tensor '" + name + "': " + what);
  };
  if (!entry.isObject())
    return fail(std::string("entry must be an object, found ") +
                entry.typeName());
  for (const auto &member : entry.asObject())
    if (member.first != "dtype" && member.first != "shape" &&
        member.first != "data_offsets")
      return fail("unknown key '" + member.first +
                  "' (expected dtype, shape, data_offsets)");
  const JsonValue *dtype = entry.find("dtype");
  const JsonValue *shape = entry.find("shape");
  const JsonValue *offsets = entry.find("data_offsets");
  if (!dtype)
    return fail("missing 'dtype'");
  if (!shape)
    return fail("missing 'shape'");
  if (!offsets)
    return fail("missing 'data_offsets'");

  if (!dtype->isString())
    return fail(std::string("'dtype' must be a string, found ") +
                dtype->typeName());
  auto parsed = parseDType(dtype->asString());
  if (!parsed)
    return fail("dtype '" + dtype->asString() +
                "' is not supported (expected F32, F16 or BF16)");
  info.name = name;
  info.dtype = *parsed;

  if (!shape->isArray())
    return fail(std::string("'shape' must be an array, found ") +
                shape->typeName());
  // Bound the element count so numel * element size cannot overflow.
  const uint64_t maxElements = (uint64_t(1) << 62) / dtypeSize(info.dtype);
  uint64_t elements = 1;
  for (const JsonValue &dim : shape->asArray()) {
    if (!dim.isInteger() || dim.asInt() < 0)
      return fail("'shape' must hold non-negative integers");
    uint64_t d = static_cast<uint64_t>(dim.asInt());
    if (d != 0 && elements > maxElements / d)
      return fail("shape " + formatShape(info.shape) + "... is too large");
    elements *= d;
    info.shape.push_back(dim.asInt());
  }

  if (!offsets->isArray() || offsets->asArray().size() != 2 ||
      !offsets->asArray()[0].isInteger() ||
      !offsets->asArray()[1].isInteger() || offsets->asArray()[0].asInt() < 0 ||
      offsets->asArray()[1].asInt() < 0)
    return fail("'data_offsets' must be [begin, end] with non-negative "
                "integers");
  info.begin = static_cast<uint64_t>(offsets->asArray()[0].asInt());
  info.end = static_cast<uint64_t>(offsets->asArray()[1].asInt());
  std::string offsetText = formatOffsets(info.begin, info.end);
  if (info.end < info.begin)
    return fail("data_offsets " + offsetText + " end before they begin");
  uint64_t needed = elements * dtypeSize(info.dtype);
  if (info.end - info.begin != needed)
    return fail("data_offsets " + offsetText + " span " +
                std::to_string(info.end - info.begin) + " bytes but shape " +
                formatShape(info.shape) + " of " + dtypeName(info.dtype) +
                " needs " + std::to_string(needed));
  if (info.end > dataSize)
    return fail("data_offsets " + offsetText +
                " run past the end of the data region (" +
                std::to_string(dataSize) + " bytes)");
  return Status::success();
}

Status parseMetadata(const JsonValue &value,
                     std::vector<std::pair<std::string, std::string>> &out) {
  if (!value.isObject())
    return Status::error(std::string("'__metadata__' must be an object, "
                                     "found ") +
                         value.typeName());
  for (const auto &member : value.asObject()) {
    if (!member.second.isString())
      return Status::error("'__metadata__' value of '" + member.first +
                           "' must be a string, found " +
                           member.second.typeName());
    out.emplace_back(member.first, member.second.asString());
  }
  return Status::success();
}

/// Tensors may come in any order and leave gaps, but must not share bytes.
Status checkNoOverlap(const std::vector<TensorInfo> &tensors) {
  std::vector<const TensorInfo *> sorted;
  for (const TensorInfo &t : tensors)
    if (t.end > t.begin)
      sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorInfo *a, const TensorInfo *b) {
              return a->begin < b->begin;
            });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i]->begin < sorted[i - 1]->end)
      return Status::error(
          "tensors '" + sorted[i - 1]->name + "' and '" + sorted[i]->name +
          "' overlap: data_offsets " +
          formatOffsets(sorted[i - 1]->begin, sorted[i - 1]->end) + " and " +
          formatOffsets(sorted[i]->begin, sorted[i]->end));
  return Status::success();
}

} // namespace

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Expected<SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  auto fail = [&](const std::string &what) {
    return Status::error(path + ": " + what);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fail(std::string("cannot stat: ") + std::strerror(err));
  }
  uint64_t fileSize = static_cast<uint64_t>(st.st_size);
  if (fileSize < 8) {
    ::close(fd);
    return fail("file is " + std::to_string(fileSize) +
                " bytes, too small for the 8-byte header length");
  }
  void *mapping = ::mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErr = errno;
  ::close(fd); // the mapping keeps the file alive
  if (mapping == MAP_FAILED)
    return fail(std::string("cannot mmap: ") + std::strerror(mapErr));

  SafetensorsFile file;
  file.path_ = path;
  file.mapping_ = mapping;
  file.mappingSize_ = fileSize;
  const unsigned char *bytes = static_cast<const unsigned char *>(mapping);

  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | bytes[i];
  if (headerSize > fileSize - 8)
    return fail("header length " + std::to_string(headerSize) +
                " runs past the end of the file (" + std::to_string(fileSize) +
                " bytes)");
  if (headerSize > kMaxHeaderBytes)
    return fail("header length " + std::to_string(headerSize) +
                " exceeds the limit of " + std::to_string(kMaxHeaderBytes));
  std::string_view headerText(reinterpret_cast<const char *>(bytes + 8),
                              headerSize);
  auto header = parseJson(headerText);
  if (!header.ok())
    return fail("header is not valid JSON: " + header.status().message());
  if (!header->isObject())
    return fail(std::string("header must be a JSON object, found ") +
                header->typeName());

  uint64_t dataSize = fileSize - 8 - headerSize;
  file.data_ = bytes + 8 + headerSize;
  for (const auto &member : header->asObject()) {
    if (member.first == "__metadata__") {
      Status s = parseMetadata(member.second, file.metadata_);
      if (!s.ok())
        return fail(s.message());
      continue;
    }
    TensorInfo info;
    Status s = parseTensorEntry(member.first, member.second, dataSize, info);
    if (!s.ok())
      return fail(s.message());
    file.tensors_.push_back(std::move(info));
  }
  Status s = checkNoOverlap(file.tensors_);
  if (!s.ok())
    return fail(s.message());
  return Expected<SafetensorsFile>(std::move(file));
}

SafetensorsFile::SafetensorsFile(SafetensorsFile &&other) noexcept {
  *this = std::move(other);
}

SafetensorsFile &SafetensorsFile::operator=(SafetensorsFile &&other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mappingSize_ = std::exchange(other.mappingSize_, 0);
    data_ = std::exchange(other.data_, nullptr);
    tensors_ = std::move(other.tensors_);
    metadata_ = std::move(other.metadata_);
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() { unmap(); }

void SafetensorsFile::unmap() {
  if (mapping_)
    ::munmap(mapping_, mappingSize_);
  mapping_ = nullptr;
  data_ = nullptr;
}

const TensorInfo *SafetensorsFile::find(std::string_view name) const {
  for (const TensorInfo &t : tensors_)
    if (t.name == name)
      return &t;
  return nullptr;
}

void SafetensorsFile::readF32(const TensorInfo &info, float *dst) const {
  convertToF32(info.dtype, rawData(info), static_cast<size_t>(info.numel()),
               dst);
}

std::vector<float> SafetensorsFile::readF32(const TensorInfo &info) const {
  std::vector<float> out(static_cast<size_t>(info.numel()));
  readF32(info, out.data());
  return out;
}

} // namespace mamba
