// The bundle format: [launcher][file 0]...[file n-1][index][trailer], where
// the index is "name\toffset\tsize\n" per file and the trailer is the
// index's offset and size (8 bytes each, little endian) and the magic.
#include "mamba/bundle.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace mamba::bundle {
namespace {
constexpr char kMagic[8] = {'M', 'A', 'M', 'B', 'A', 'P', 'K', '1'};
constexpr size_t kTrailerSize = 24;

void putU64(std::string &s, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    s += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t getU64(const char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

Status copyStream(std::istream &in, std::ostream &out, uint64_t size,
                  const std::string &what) {
  std::vector<char> buf(1 << 20);
  while (size > 0) {
    std::streamsize n =
        static_cast<std::streamsize>(std::min<uint64_t>(size, buf.size()));
    in.read(buf.data(), n);
    if (in.gcount() != n)
      return Status::error(what + ": unexpected end of file");
    out.write(buf.data(), n);
    size -= static_cast<uint64_t>(n);
  }
  return out ? Status::success() : Status::error(what + ": write failed");
}
} // namespace

Status
writeExecutable(const std::string &launcher,
                const std::vector<std::pair<std::string, std::string>> &files,
                const std::string &output) {
  std::ifstream in(launcher, std::ios::binary);
  if (!in)
    return Status::error("cannot read the launcher '" + launcher + "'");
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (!out)
    return Status::error("cannot write '" + output + "'");
  out << in.rdbuf();
  std::string index;
  for (const auto &[name, path] : files) {
    if (name.empty() || name.find_first_of("/\t\n") != std::string::npos)
      return Status::error("bad file name in a bundle: '" + name + "'");
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f)
      return Status::error("cannot read '" + path + "'");
    const uint64_t size = static_cast<uint64_t>(f.tellg());
    f.seekg(0);
    const uint64_t offset = static_cast<uint64_t>(out.tellp());
    MAMBA_RETURN_IF_ERROR(copyStream(f, out, size, path));
    index += name + "\t" + std::to_string(offset) + "\t" +
             std::to_string(size) + "\n";
  }
  std::string trailer;
  putU64(trailer, static_cast<uint64_t>(out.tellp()));
  putU64(trailer, index.size());
  trailer.append(kMagic, sizeof kMagic);
  out << index << trailer;
  out.close();
  if (!out)
    return Status::error("cannot write '" + output + "'");
  if (::chmod(output.c_str(), 0755) != 0)
    return Status::error("cannot make '" + output + "' executable");
  return Status::success();
}

Expected<std::string> extractPackage(const std::string &executable,
                                     const std::string &tmpRoot) {
  std::ifstream in(executable, std::ios::binary | std::ios::ate);
  if (!in)
    return Status::error("cannot read '" + executable + "'");
  const uint64_t fileSize = static_cast<uint64_t>(in.tellg());
  if (fileSize < kTrailerSize)
    return std::string();
  char trailer[kTrailerSize];
  in.seekg(static_cast<std::streamoff>(fileSize - kTrailerSize));
  in.read(trailer, kTrailerSize);
  if (!in || std::memcmp(trailer + 16, kMagic, sizeof kMagic) != 0)
    return std::string();
  const std::string what = executable + ": embedded model";
  const uint64_t indexOffset = getU64(trailer), indexSize = getU64(trailer + 8);
  if (indexOffset > fileSize - kTrailerSize ||
      indexSize != fileSize - kTrailerSize - indexOffset)
    return Status::error(what + ": damaged index");
  std::string index(indexSize, '\0');
  in.seekg(static_cast<std::streamoff>(indexOffset));
  in.read(index.data(), static_cast<std::streamsize>(indexSize));

  std::string dir = tmpRoot + "/mamba-model-XXXXXX";
  if (!::mkdtemp(dir.data()))
    return Status::error("cannot create a directory under " + tmpRoot);
  std::istringstream lines(index);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name;
    uint64_t offset = 0, size = 0;
    if (!std::getline(fields, name, '\t') || !(fields >> offset >> size) ||
        name.empty() || name.find('/') != std::string::npos ||
        offset > indexOffset || size > indexOffset - offset)
      return Status::error(what + ": damaged index entry '" + line + "'");
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    in.seekg(static_cast<std::streamoff>(offset));
    MAMBA_RETURN_IF_ERROR(copyStream(in, out, size, what + " file " + name));
  }
  return dir;
}

} // namespace mamba::bundle
