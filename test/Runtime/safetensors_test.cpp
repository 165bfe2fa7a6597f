// Unit tests of the safetensors reader and writer: round trips, and every
// kind of broken file must give an error naming the file and the tensor.
#include "mamba/safetensors.h"
#include "test_util.h"

#include <algorithm>
#include <cstring>
#include <gtest/gtest.h>

namespace mamba {
namespace {

using test::ScratchDir;

/// A file with a hand-written header followed by `dataBytes` bytes.
std::vector<unsigned char> rawFile(const std::string &header,
                                   size_t dataBytes) {
  std::vector<unsigned char> out(8 + header.size() + dataBytes, 0);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<unsigned char>(n >> (8 * i));
  std::copy(header.begin(), header.end(), out.begin() + 8);
  return out;
}

class SafetensorsTest : public ::testing::Test {
protected:
  /// Writes `bytes` as model.safetensors and returns open()'s error.
  std::string openError(const std::vector<unsigned char> &bytes) {
    std::string path = dir_.file("model.safetensors");
    EXPECT_TRUE(writeFileBytes(path, bytes).ok());
    auto file = SafetensorsFile::open(path);
    EXPECT_FALSE(file.ok()) << "accepted a broken file";
    if (file.ok())
      return {};
    EXPECT_EQ(file.status().message().rfind(path + ": ", 0), 0u)
        << "error does not start with the file: " << file.status().message();
    return file.status().message();
  }

  ScratchDir dir_;
};

TEST_F(SafetensorsTest, RoundTripAllDTypes) {
  std::vector<float> values = {1.0f, -2.5f, 0.125f, 3.0f, 1e-3f, -7.0f};
  std::vector<TensorData> tensors = {
      makeTensorData("a.f32", {2, 3}, values, DType::F32),
      makeTensorData("b.f16", {6}, values, DType::F16),
      makeTensorData("c.bf16", {3, 2}, values, DType::BF16),
      makeTensorData("empty", {0, 4}, {}, DType::F32),
      makeTensorData("scalar", {}, {42.0f}, DType::F32)};
  std::string path = dir_.file("rt.safetensors");
  ASSERT_TRUE(writeSafetensors(path, tensors, {{"format", "pt"}}).ok());

  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->tensors().size(), 5u);
  EXPECT_EQ(file->tensors()[0].name, "a.f32");
  EXPECT_EQ(file->tensors()[2].name, "c.bf16");
  ASSERT_EQ(file->metadata().size(), 1u);
  EXPECT_EQ(file->metadata()[0].second, "pt");

  const TensorInfo *a = file->find("a.f32");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(file->readF32(*a), values);
  std::vector<float> f16 = file->readF32(*file->find("b.f16"));
  std::vector<float> bf16 = file->readF32(*file->find("c.bf16"));
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_NEAR(f16[i], values[i], std::fabs(values[i]) * 1e-3);
    EXPECT_NEAR(bf16[i], values[i], std::fabs(values[i]) * 8e-3);
  }
  EXPECT_EQ(file->find("b.f16")->dtype, DType::F16);
  EXPECT_EQ(file->find("empty")->numel(), 0);
  EXPECT_EQ(file->readF32(*file->find("scalar")), std::vector<float>{42.0f});
  EXPECT_EQ(file->find("missing"), nullptr);
}

TEST_F(SafetensorsTest, GapsUnsortedOffsetsAndPaddingAreAccepted) {
  // Tensors listed out of order with an unused gap between them, and a
  // header padded with trailing spaces like the reference writer does.
  std::string header =
      R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},)"
      R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}   )";
  std::string path = dir_.file("gaps.safetensors");
  ASSERT_TRUE(writeFileBytes(path, rawFile(header, 16)).ok());
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->tensors().size(), 2u);
}

TEST_F(SafetensorsTest, MissingFile) {
  auto file = SafetensorsFile::open(dir_.file("nope.safetensors"));
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("nope.safetensors: cannot open"),
            std::string::npos);
}

TEST_F(SafetensorsTest, FileTooSmall) {
  std::string e = openError({1, 2, 3});
  EXPECT_NE(e.find("file is 3 bytes, too small"), std::string::npos) << e;
}

TEST_F(SafetensorsTest, HeaderLengthPastEndOfFile) {
  auto bytes = rawFile("{}", 0);
  bytes[0] = 0xFF; // claims 255 header bytes; the file has 2
  std::string e = openError(bytes);
  EXPECT_NE(e.find("header length 255 runs past the end of the file (10 "
                   "bytes)"),
            std::string::npos)
      << e;
  bytes[7] = 0x80; // a "negative" 64-bit length must not wrap around
  e = openError(bytes);
  EXPECT_NE(e.find("runs past the end of the file"), std::string::npos) << e;
}

TEST_F(SafetensorsTest, TruncatedFile) {
  auto bytes = serializeSafetensors({makeTensorData("w", {4}, {1, 2, 3, 4}),
                                     makeTensorData("v", {2}, {5, 6})});
  bytes.resize(bytes.size() - 3);
  std::string e = openError(bytes);
  EXPECT_NE(e.find("tensor 'v': data_offsets [16, 24] run past the end of "
                   "the data region (21 bytes)"),
            std::string::npos)
      << e;
  // Cut inside the header.
  bytes.resize(20);
  e = openError(bytes);
  EXPECT_NE(e.find("runs past the end of the file"), std::string::npos) << e;
}

TEST_F(SafetensorsTest, CorruptedHeaderJson) {
  auto bytes = serializeSafetensors({makeTensorData("w", {2}, {1, 2})});
  bytes[8 + 5] = '#'; // inside the first key
  std::string e = openError(bytes);
  EXPECT_NE(e.find("header is not valid JSON: 1:"), std::string::npos) << e;

  e = openError(rawFile("[1, 2]", 0));
  EXPECT_NE(e.find("header must be a JSON object, found array"),
            std::string::npos)
      << e;
  e = openError(rawFile("", 0));
  EXPECT_NE(e.find("header is not valid JSON"), std::string::npos) << e;
}

TEST_F(SafetensorsTest, SpanDoesNotMatchShape) {
  std::string e = openError(rawFile(
      R"({"backbone.norm_f.weight":{"dtype":"F32","shape":[16],"data_offsets":[0,40]}})",
      64));
  EXPECT_NE(e.find("model.safetensors: tensor 'backbone.norm_f.weight': "
                   "data_offsets [0, 40] span 40 bytes but shape [16] of F32 "
                   "needs 64"),
            std::string::npos)
      << e;
}

TEST_F(SafetensorsTest, UnsupportedDType) {
  std::string e = openError(rawFile(
      R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", 16));
  EXPECT_NE(e.find("tensor 'ids': dtype 'I64' is not supported (expected "
                   "F32, F16 or BF16)"),
            std::string::npos)
      << e;
  e = openError(
      rawFile(R"({"x":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", 8));
  EXPECT_NE(e.find("tensor 'x': 'dtype' must be a string"), std::string::npos)
      << e;
}

TEST_F(SafetensorsTest, BadShapesAndOffsets) {
  struct Case {
    const char *header;
    const char *message;
  } cases[] = {
      {R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
       "tensor 't': 'shape' must hold non-negative integers"},
      {R"({"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})",
       "tensor 't': 'shape' must hold non-negative integers"},
      {R"({"t":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})",
       "tensor 't': 'shape' must be an array"},
      {R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
       "tensor 't': shape [4294967296]... is too large"},
      {R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})",
       "tensor 't': data_offsets [8, 4] end before they begin"},
      {R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}})",
       "tensor 't': 'data_offsets' must be [begin, end]"},
      {R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})",
       "tensor 't': 'data_offsets' must be [begin, end]"},
      {R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[1000,1016]}})",
       "tensor 't': data_offsets [1000, 1016] run past the end of the data "
       "region (16 bytes)"},
      {R"({"t":{"dtype":"F32","shape":[1]}})",
       "tensor 't': missing 'data_offsets'"},
      {R"({"t":{"shape":[1],"data_offsets":[0,4]}})",
       "tensor 't': missing 'dtype'"},
      {R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})",
       "tensor 't': unknown key 'x'"},
      {R"({"t":[1]})", "tensor 't': entry must be an object, found array"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       "tensors 'a' and 'b' overlap: data_offsets [0, 8] and [4, 12]"},
      {R"({"__metadata__":{"format":1}})",
       "'__metadata__' value of 'format' must be a string, found number"},
      {R"({"__metadata__":[]})", "'__metadata__' must be an object"},
  };
  for (const Case &c : cases) {
    std::string e = openError(rawFile(c.header, 16));
    EXPECT_NE(e.find(c.message), std::string::npos)
        << "header " << c.header << "\n got: " << e;
  }
}

} // namespace
} // namespace mamba
