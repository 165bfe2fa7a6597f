// One CUDA device for the runtime: its primary context, a stream, device
// memory and compiled modules, every failure returned as a Status.
#ifndef MAMBA_CUDA_DEVICE_H
#define MAMBA_CUDA_DEVICE_H

#include "driver.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mamba::cuda {

class Device;

/// Device memory, freed on destruction.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  DeviceBuffer(DeviceBuffer &&other) noexcept { *this = std::move(other); }
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer();

  CUdeviceptr ptr() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  template <class T> T *as() const { return reinterpret_cast<T *>(ptr_); }

private:
  friend class Device;
  const DriverApi *api_ = nullptr;
  CUdeviceptr ptr_ = 0;
  size_t bytes_ = 0;
};

/// A loaded module; unloaded on destruction.
class Module {
public:
  Module() = default;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;
  ~Module();
  /// The kernel `name`; the error names it.
  Expected<CUfunction> function(const std::string &name) const;

private:
  friend class Device;
  const DriverApi *api_ = nullptr;
  CUmodule module_ = nullptr;
};

/// Page-locked host memory: async copies to and from it need no staging
/// and can be captured in a CUDA graph. Freed on destruction.
class HostBuffer {
public:
  HostBuffer() = default;
  HostBuffer(const HostBuffer &) = delete;
  HostBuffer &operator=(const HostBuffer &) = delete;
  HostBuffer(HostBuffer &&other) noexcept { *this = std::move(other); }
  HostBuffer &operator=(HostBuffer &&other) noexcept;
  ~HostBuffer();

  void *ptr() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  template <class T> T *as() const { return static_cast<T *>(ptr_); }

private:
  friend class Device;
  const DriverApi *api_ = nullptr;
  void *ptr_ = nullptr;
  size_t bytes_ = 0;
};

/// An instantiated CUDA graph, captured from the device's stream; replayed
/// on it by launch(). Destroyed (graph and executable) on destruction.
class Graph {
public:
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;
  ~Graph();
  Status launch();

private:
  friend class Device;
  Graph() = default;
  const DriverApi *api_ = nullptr;
  CUstream stream_ = nullptr;
  CUgraph graph_ = nullptr;
  CUgraphExec exec_ = nullptr;
};

/// A point in the device stream's work: lets the host wait for what was
/// enqueued up to record() while later work stays queued. Released on
/// destruction.
class Event {
public:
  Event(const Event &) = delete;
  Event &operator=(const Event &) = delete;
  ~Event();
  /// Marks the work enqueued on the stream so far.
  Status record();
  /// Waits until that work has finished.
  Status synchronize();

private:
  friend class Device;
  Event() = default;
  const DriverApi *api_ = nullptr;
  CUstream stream_ = nullptr;
  CUevent event_ = nullptr;
};

class Device {
public:
  /// Loads the driver and makes device `ordinal`'s primary context current.
  /// Errors: "no CUDA driver: ...", "no CUDA device found".
  static Expected<std::unique_ptr<Device>> open(int ordinal = 0);
  ~Device();

  const DriverApi &api() const { return *api_; }
  CUstream stream() const { return stream_; }
  const std::string &name() const { return name_; }
  /// "sm_90" for compute capability 9.0.
  const std::string &arch() const { return arch_; }
  int driverVersion() const { return driverVersion_; }

  Status check(CUresult result, const std::string &what) const {
    return driverStatus(*api_, result, what);
  }
  /// `what` names the buffer in an out-of-memory error.
  Expected<DeviceBuffer> alloc(size_t bytes, const std::string &what);
  /// Page-locked host memory; `what` names it in errors.
  Expected<HostBuffer> allocHost(size_t bytes, const std::string &what);
  /// Stream-ordered copies; download waits for the stream, downloadAsync
  /// does not (`dst` should be page-locked).
  Status upload(CUdeviceptr dst, const void *src, size_t bytes);
  Status download(void *dst, CUdeviceptr src, size_t bytes);
  Status downloadAsync(void *dst, CUdeviceptr src, size_t bytes);
  Status zero(CUdeviceptr dst, size_t bytes);
  Status synchronize();
  /// Loads a cubin or PTX image.
  Expected<std::unique_ptr<Module>> loadModule(const std::string &image);
  /// Captures what `enqueue` puts on the stream (nothing runs) into an
  /// instantiated graph. Host memory the captured copies touch must be
  /// page-locked; a failing `enqueue` ends the capture and returns its error.
  Expected<std::unique_ptr<Graph>>
  capture(const std::function<Status()> &enqueue);
  /// An event on the device's stream (no timing: cheaper to record).
  Expected<std::unique_ptr<Event>> newEvent();
  /// Streaming multiprocessors of the device.
  int smCount() const { return smCount_; }
  /// Whether launches can be programmatic (compute capability 9.0+ and a
  /// driver with cuLaunchKernelEx).
  bool supportsProgrammaticLaunch() const;
  /// How a kernel may overlap the kernel before it on the stream.
  enum class Order {
    /// Starts when the previous kernel has finished.
    Serial,
    /// May start while the previous kernel runs (programmatic dependent
    /// launch); the kernel must call mamba_grid_wait() before it touches
    /// anything but weights. Serial where unsupported.
    Programmatic,
  };
  /// Launches on the device's stream; `args` point at the kernel arguments.
  Status launch(CUfunction f, unsigned gridX, unsigned gridY, unsigned gridZ,
                unsigned block, void **args, const char *kernel,
                Order order = Order::Serial);

private:
  Device() = default;
  const DriverApi *api_ = nullptr;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  CUstream stream_ = nullptr;
  std::string name_;
  std::string arch_;
  int driverVersion_ = 0;
  int smCount_ = 0;
  int major_ = 0;
};

/// Packs kernel arguments for cuLaunchKernel: an array of their addresses.
template <class... Args> std::vector<void *> kernelArgs(Args &...args) {
  return {static_cast<void *>(&args)...};
}

} // namespace mamba::cuda

#endif // MAMBA_CUDA_DEVICE_H
