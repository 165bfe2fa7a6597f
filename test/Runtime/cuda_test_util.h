// Helpers of the GPU tests: open the device or skip with a visible message,
// compile generated kernels for it, and move vectors to and from it.
#ifndef MAMBA_TEST_RUNTIME_CUDA_TEST_UTIL_H
#define MAMBA_TEST_RUNTIME_CUDA_TEST_UTIL_H

#include "../../runtime/src/cuda/compiler.h"
#include "../../runtime/src/cuda/device.h"
#include "mamba/codegen/cuda_emitter.h"
#include "mamba/cuda_model.h"
#include "mamba/dtype.h"
#include "random_vector.h"

#include <gtest/gtest.h>
#include <memory>
#include <vector>

namespace mamba::test {

/// The device, or null with the reason in `why` (no driver, no device).
inline std::unique_ptr<cuda::Device> openDeviceOrWhy(std::string &why) {
  Expected<std::unique_ptr<cuda::Device>> dev = cuda::Device::open();
  if (!dev.ok()) {
    why = dev.status().message();
    return nullptr;
  }
  return std::move(dev).value();
}

#define MAMBA_OPEN_DEVICE_OR_SKIP(dev)                                         \
  std::string whyNoDevice_;                                                    \
  dev = ::mamba::test::openDeviceOrWhy(whyNoDevice_);                          \
  if (!dev)                                                                    \
  GTEST_SKIP() << "GPU test skipped: " << whyNoDevice_

/// Skips when there is no GPU; else a model of `weights`.
#define MAMBA_CUDA_MODEL_OR_SKIP(model, weights, options)                      \
  std::unique_ptr<::mamba::CudaModel> model;                                   \
  {                                                                            \
    auto created = ::mamba::CudaModel::create(weights, options);               \
    const std::string &msg = created.status().message();                       \
    if (!created.ok() && (msg.rfind("no CUDA", 0) == 0))                       \
      GTEST_SKIP() << "GPU test skipped: " << msg;                             \
    ASSERT_TRUE(created.ok()) << msg;                                          \
    model = std::move(created).value();                                        \
  }

/// Compiles `kernels` into one module for the device.
inline std::unique_ptr<cuda::Module>
compileModule(cuda::Device &dev,
              const std::vector<codegen::cuda::Emitted> &kernels) {
  std::vector<std::string> sources;
  for (const auto &k : kernels) {
    EXPECT_TRUE(k.ok()) << k.error;
    sources.push_back(k.source);
  }
  Expected<std::string> image = cuda::compileCuda(
      codegen::cuda::emitModule(sources), "test_kernels.cu", dev.arch());
  EXPECT_TRUE(image.ok()) << image.status().message();
  if (!image.ok())
    return nullptr;
  auto module = dev.loadModule(*image);
  EXPECT_TRUE(module.ok()) << module.status().message();
  return module.ok() ? std::move(module).value() : nullptr;
}

inline CUfunction fn(const cuda::Module &m, const std::string &name) {
  Expected<CUfunction> f = m.function(name);
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? f.value() : nullptr;
}

template <class T>
cuda::DeviceBuffer toDevice(cuda::Device &dev, const std::vector<T> &v) {
  auto buf = dev.alloc(v.size() * sizeof(T), "test data");
  EXPECT_TRUE(buf.ok()) << buf.status().message();
  EXPECT_TRUE(dev.upload(buf->ptr(), v.data(), v.size() * sizeof(T)).ok());
  return std::move(buf).value();
}

template <class T>
std::vector<T> fromDevice(cuda::Device &dev, const cuda::DeviceBuffer &b) {
  std::vector<T> v(b.bytes() / sizeof(T));
  Status s = dev.download(v.data(), b.ptr(), b.bytes());
  EXPECT_TRUE(s.ok()) << s.message();
  return v;
}

} // namespace mamba::test

#endif // MAMBA_TEST_RUNTIME_CUDA_TEST_UTIL_H
