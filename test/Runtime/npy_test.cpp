// Unit tests of the float32 .npy writer and reader.
#include "mamba/npy.h"
#include "test_util.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>

namespace mamba {
namespace {

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

TEST(Npy, WritesVersion1HeaderAlignedTo64) {
  test::ScratchDir dir;
  std::string path = dir.file("a.npy");
  std::vector<float> values = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(writeNpyF32(path, values.data(), {2, 3}).ok());
  std::string bytes = readAll(path);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  size_t headerLen = static_cast<unsigned char>(bytes[8]) |
                     static_cast<unsigned char>(bytes[9]) << 8;
  EXPECT_EQ((10 + headerLen) % 64, 0u);
  std::string header = bytes.substr(10, headerLen);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos);
  EXPECT_NE(header.find("'fortran_order': False"), std::string::npos);
  EXPECT_NE(header.find("'shape': (2,3)"), std::string::npos) << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(bytes.size(), 10 + headerLen + values.size() * 4);
}

TEST(Npy, RoundTripShapes) {
  test::ScratchDir dir;
  for (std::vector<int64_t> shape : {std::vector<int64_t>{5},
                                     std::vector<int64_t>{},
                                     {1, 2, 3},
                                     std::vector<int64_t>{0, 7}}) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    std::vector<float> values(n);
    for (int64_t i = 0; i < n; ++i)
      values[i] = 0.5f * i - 1.0f;
    std::string path = dir.file("r.npy");
    ASSERT_TRUE(writeNpyF32(path, values.data(), shape).ok());
    auto back = readNpyF32(path);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back->shape, shape);
    EXPECT_EQ(back->data, values);
  }
  std::string onePath = dir.file("one.npy");
  float v = 1.0f;
  ASSERT_TRUE(writeNpyF32(onePath, &v, {1}).ok());
  EXPECT_NE(readAll(onePath).find("'shape': (1,)"), std::string::npos);
}

TEST(Npy, RejectsOtherDTypesAndTruncation) {
  test::ScratchDir dir;
  std::string path = dir.file("bad.npy");
  float values[4] = {1, 2, 3, 4};
  ASSERT_TRUE(writeNpyF32(path, values, {4}).ok());
  std::string bytes = readAll(path);

  std::string f8 = bytes;
  f8.replace(f8.find("<f4"), 3, "<f8");
  std::ofstream(path, std::ios::binary) << f8;
  auto r = readNpyF32(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.npy: expected dtype '<f4'"),
            std::string::npos);

  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 1);
  r = readNpyF32(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("data is 15 bytes, shape needs 16"),
            std::string::npos)
      << r.status().message();

  std::ofstream(path, std::ios::binary) << "not numpy";
  r = readNpyF32(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad magic"), std::string::npos);
}

} // namespace
} // namespace mamba
