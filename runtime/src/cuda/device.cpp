// Device: the primary context (shared with cuBLAS, which uses the runtime
// API), one stream, and checked wrappers of memory, modules and launches.
#include "device.h"

namespace mamba::cuda {

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    if (ptr_)
      api_->cuMemFree(ptr_);
    api_ = other.api_;
    ptr_ = other.ptr_;
    bytes_ = other.bytes_;
    other.ptr_ = 0;
    other.bytes_ = 0;
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_)
    api_->cuMemFree(ptr_);
}

HostBuffer &HostBuffer::operator=(HostBuffer &&other) noexcept {
  if (this != &other) {
    if (ptr_)
      api_->cuMemFreeHost(ptr_);
    api_ = other.api_;
    ptr_ = other.ptr_;
    bytes_ = other.bytes_;
    other.ptr_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

HostBuffer::~HostBuffer() {
  if (ptr_)
    api_->cuMemFreeHost(ptr_);
}

Graph::~Graph() {
  if (exec_)
    api_->cuGraphExecDestroy(exec_);
  if (graph_)
    api_->cuGraphDestroy(graph_);
}

Status Graph::launch() {
  return driverStatus(*api_, api_->cuGraphLaunch(exec_, stream_),
                      "cuGraphLaunch");
}

Event::~Event() {
  if (event_)
    api_->cuEventDestroy(event_);
}

Status Event::record() {
  return driverStatus(*api_, api_->cuEventRecord(event_, stream_),
                      "cuEventRecord");
}

Status Event::synchronize() {
  return driverStatus(*api_, api_->cuEventSynchronize(event_),
                      "waiting for the device");
}

Module::~Module() {
  if (module_)
    api_->cuModuleUnload(module_);
}

Expected<CUfunction> Module::function(const std::string &name) const {
  CUfunction f = nullptr;
  Status s =
      driverStatus(*api_, api_->cuModuleGetFunction(&f, module_, name.c_str()),
                   "kernel '" + name + "' is not in the module");
  if (!s.ok())
    return s;
  return f;
}

Expected<std::unique_ptr<Device>> Device::open(int ordinal) {
  Expected<const DriverApi *> api = loadDriver();
  if (!api.ok())
    return api.status();
  const DriverApi &d = *api.value();
  CUresult init = d.cuInit(0);
  int count = 0;
  if (init == CUDA_ERROR_NO_DEVICE ||
      (init == CUDA_SUCCESS && d.cuDeviceGetCount(&count) == CUDA_SUCCESS &&
       count == 0))
    return Status::error("no CUDA device found");
  MAMBA_RETURN_IF_ERROR(driverStatus(d, init, "cuInit"));
  if (ordinal < 0 || ordinal >= count)
    return Status::error("CUDA device " + std::to_string(ordinal) +
                         " does not exist (" + std::to_string(count) +
                         " found)");
  std::unique_ptr<Device> dev(new Device());
  dev->api_ = &d;
  MAMBA_RETURN_IF_ERROR(
      dev->check(d.cuDeviceGet(&dev->device_, ordinal), "cuDeviceGet"));
  char name[256] = {};
  MAMBA_RETURN_IF_ERROR(dev->check(
      d.cuDeviceGetName(name, sizeof(name), dev->device_), "cuDeviceGetName"));
  dev->name_ = name;
  int major = 0, minor = 0;
  MAMBA_RETURN_IF_ERROR(dev->check(
      d.cuDeviceGetAttribute(
          &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev->device_),
      "cuDeviceGetAttribute"));
  MAMBA_RETURN_IF_ERROR(dev->check(
      d.cuDeviceGetAttribute(
          &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev->device_),
      "cuDeviceGetAttribute"));
  dev->arch_ = "sm_" + std::to_string(major) + std::to_string(minor);
  dev->major_ = major;
  MAMBA_RETURN_IF_ERROR(dev->check(
      d.cuDeviceGetAttribute(&dev->smCount_,
                             CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                             dev->device_),
      "cuDeviceGetAttribute"));
  MAMBA_RETURN_IF_ERROR(dev->check(d.cuDriverGetVersion(&dev->driverVersion_),
                                   "cuDriverGetVersion"));
  MAMBA_RETURN_IF_ERROR(
      dev->check(d.cuDevicePrimaryCtxRetain(&dev->context_, dev->device_),
                 "cuDevicePrimaryCtxRetain"));
  MAMBA_RETURN_IF_ERROR(
      dev->check(d.cuCtxSetCurrent(dev->context_), "cuCtxSetCurrent"));
  MAMBA_RETURN_IF_ERROR(
      dev->check(d.cuStreamCreate(&dev->stream_, CU_STREAM_NON_BLOCKING),
                 "cuStreamCreate"));
  return dev;
}

Device::~Device() {
  if (stream_)
    api_->cuStreamDestroy(stream_);
  if (context_)
    api_->cuDevicePrimaryCtxRelease(device_);
}

Expected<DeviceBuffer> Device::alloc(size_t bytes, const std::string &what) {
  DeviceBuffer buf;
  buf.api_ = api_;
  if (bytes == 0)
    return buf;
  CUresult r = api_->cuMemAlloc(&buf.ptr_, bytes);
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    size_t freeBytes = 0, total = 0;
    api_->cuMemGetInfo(&freeBytes, &total);
    return Status::error("out of device memory: " + what + " needs " +
                         std::to_string(bytes >> 20) + " MiB, " +
                         std::to_string(freeBytes >> 20) + " MiB of " +
                         std::to_string(total >> 20) + " MiB are free");
  }
  MAMBA_RETURN_IF_ERROR(check(r, "allocating " + what));
  buf.bytes_ = bytes;
  return buf;
}

Status Device::upload(CUdeviceptr dst, const void *src, size_t bytes) {
  if (bytes == 0)
    return Status::success();
  return check(api_->cuMemcpyHtoDAsync(dst, src, bytes, stream_),
               "copy to the device");
}

Status Device::download(void *dst, CUdeviceptr src, size_t bytes) {
  if (bytes > 0)
    MAMBA_RETURN_IF_ERROR(
        check(api_->cuMemcpyDtoHAsync(dst, src, bytes, stream_),
              "copy from the device"));
  return synchronize();
}

Status Device::downloadAsync(void *dst, CUdeviceptr src, size_t bytes) {
  if (bytes == 0)
    return Status::success();
  return check(api_->cuMemcpyDtoHAsync(dst, src, bytes, stream_),
               "copy from the device");
}

Expected<HostBuffer> Device::allocHost(size_t bytes, const std::string &what) {
  HostBuffer buf;
  buf.api_ = api_;
  if (bytes == 0)
    return buf;
  MAMBA_RETURN_IF_ERROR(check(api_->cuMemHostAlloc(&buf.ptr_, bytes, 0),
                              "allocating page-locked " + what));
  buf.bytes_ = bytes;
  return buf;
}

Expected<std::unique_ptr<Graph>>
Device::capture(const std::function<Status()> &enqueue) {
  std::unique_ptr<Graph> g(new Graph());
  g->api_ = api_;
  g->stream_ = stream_;
  // Thread-local: calls that would break the capture (a synchronous copy,
  // an allocation) fail on this thread rather than being recorded.
  MAMBA_RETURN_IF_ERROR(check(
      api_->cuStreamBeginCapture(stream_, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
      "cuStreamBeginCapture"));
  Status enqueued = enqueue();
  Status ended = check(api_->cuStreamEndCapture(stream_, &g->graph_),
                       "cuStreamEndCapture");
  MAMBA_RETURN_IF_ERROR(enqueued);
  MAMBA_RETURN_IF_ERROR(ended);
  MAMBA_RETURN_IF_ERROR(
      check(api_->cuGraphInstantiateWithFlags(&g->exec_, g->graph_, 0),
            "cuGraphInstantiate"));
  return g;
}

Expected<std::unique_ptr<Event>> Device::newEvent() {
  std::unique_ptr<Event> e(new Event());
  e->api_ = api_;
  e->stream_ = stream_;
  MAMBA_RETURN_IF_ERROR(
      check(api_->cuEventCreate(&e->event_, CU_EVENT_DISABLE_TIMING),
            "cuEventCreate"));
  return e;
}

Status Device::zero(CUdeviceptr dst, size_t bytes) {
  if (bytes == 0)
    return Status::success();
  return check(api_->cuMemsetD8Async(dst, 0, bytes, stream_), "memset");
}

Status Device::synchronize() {
  return check(api_->cuStreamSynchronize(stream_), "stream synchronize");
}

Expected<std::unique_ptr<Module>> Device::loadModule(const std::string &image) {
  auto m = std::make_unique<Module>();
  m->api_ = api_;
  MAMBA_RETURN_IF_ERROR(check(api_->cuModuleLoadData(&m->module_, image.data()),
                              "loading a module"));
  return m;
}

bool Device::supportsProgrammaticLaunch() const {
  return major_ >= 9 && api_->cuLaunchKernelEx;
}

Status Device::launch(CUfunction f, unsigned gridX, unsigned gridY,
                      unsigned gridZ, unsigned block, void **args,
                      const char *kernel, Order order) {
  if (order == Order::Programmatic && supportsProgrammaticLaunch()) {
    CUlaunchAttribute attr{};
    attr.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attr.value.programmaticStreamSerializationAllowed = 1;
    CUlaunchConfig config{};
    config.gridDimX = gridX;
    config.gridDimY = gridY;
    config.gridDimZ = gridZ;
    config.blockDimX = block;
    config.blockDimY = 1;
    config.blockDimZ = 1;
    config.hStream = stream_;
    config.attrs = &attr;
    config.numAttrs = 1;
    return check(api_->cuLaunchKernelEx(&config, f, args, nullptr),
                 std::string("launching ") + kernel);
  }
  return check(api_->cuLaunchKernel(f, gridX, gridY, gridZ, block, 1, 1, 0,
                                    stream_, args, nullptr),
               std::string("launching ") + kernel);
}

} // namespace mamba::cuda
