// dlopen of an AOT Halide kernel library and calls through its argv entry
// points, with Halide's error messages routed into the returned Status.
#include "halide_kernels.h"

#include "halide_buffer.h"

#include <dlfcn.h>

#include <limits>
#include <mutex>

namespace mamba::cpu {

namespace {
/// The last Halide error message (Halide may report it from a worker).
std::mutex errorMutex;
std::string lastHalideError;

void recordError(void * /*user_context*/, const char *message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  lastHalideError = message ? message : "unknown Halide error";
  while (!lastHalideError.empty() && lastHalideError.back() == '\n')
    lastHalideError.pop_back();
}

std::string takeError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  return std::move(lastHalideError);
}

bool fitsInt32(int64_t v) {
  return v >= std::numeric_limits<int32_t>::min() &&
         v <= std::numeric_limits<int32_t>::max();
}
} // namespace

TensorView makeView(float *data, std::initializer_list<int64_t> shape,
                    std::initializer_list<int64_t> strides) {
  TensorView v;
  v.data = data;
  v.rank = static_cast<int>(shape.size());
  int i = 0;
  for (int64_t s : shape)
    v.shape[i++] = s;
  i = 0;
  for (int64_t s : strides)
    v.strides[i++] = s;
  return v;
}

TensorView contiguousView(float *data, std::initializer_list<int64_t> shape) {
  TensorView v;
  v.data = data;
  v.rank = static_cast<int>(shape.size());
  int i = 0;
  for (int64_t s : shape)
    v.shape[i++] = s;
  int64_t stride = 1;
  for (int d = v.rank - 1; d >= 0; --d) {
    v.strides[d] = stride;
    stride *= v.shape[d];
  }
  return v;
}

Status HalideKernel::run(const std::vector<TensorView> &args) const {
  if (!fn_)
    return Status::error("Halide kernel not loaded");
  std::vector<hl::halide_buffer_t> buffers(args.size());
  std::vector<hl::halide_dimension_t> dims(args.size() * TensorView::kMaxRank);
  std::vector<void *> argv(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const TensorView &v = args[i];
    if (v.rank < 0 || v.rank > TensorView::kMaxRank)
      return Status::error(symbol_ + ": argument #" + std::to_string(i) +
                           " has an invalid rank");
    hl::halide_buffer_t &b = buffers[i];
    b = {};
    b.host = reinterpret_cast<uint8_t *>(v.data);
    b.type = {hl::kFloat, 32, 1};
    b.dimensions = v.rank;
    b.dim = &dims[i * TensorView::kMaxRank];
    for (int d = 0; d < v.rank; ++d) {
      if (!fitsInt32(v.shape[d]) || !fitsInt32(v.strides[d]))
        return Status::error(symbol_ + ": argument #" + std::to_string(i) +
                             " has an extent or stride beyond 32 bits");
      b.dim[d] = {0, static_cast<int32_t>(v.shape[d]),
                  static_cast<int32_t>(v.strides[d]), 0};
    }
    argv[i] = &b;
  }
  takeError();
  int rc = fn_(argv.data());
  if (rc != 0)
    return Status::error(symbol_ + " failed (Halide error " +
                         std::to_string(rc) + "): " + takeError());
  return Status::success();
}

Expected<HalideKernelLibrary>
HalideKernelLibrary::open(const std::string &path) {
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return Status::error("cannot load the Halide kernel library " + path +
                         ": " + (why ? why : "unknown reason"));
  }
  using SetHandler = void *(*)(void (*)(void *, const char *));
  if (auto set = reinterpret_cast<SetHandler>(
          dlsym(handle, "halide_set_error_handler")))
    set(&recordError);
  HalideKernelLibrary lib;
  lib.handle_ = handle;
  lib.path_ = path;
  return lib;
}

HalideKernelLibrary::HalideKernelLibrary(HalideKernelLibrary &&other) noexcept
    : handle_(other.handle_), path_(std::move(other.path_)) {
  other.handle_ = nullptr;
}

HalideKernelLibrary &
HalideKernelLibrary::operator=(HalideKernelLibrary &&other) noexcept {
  if (this != &other) {
    if (handle_)
      dlclose(handle_);
    handle_ = other.handle_;
    path_ = std::move(other.path_);
    other.handle_ = nullptr;
  }
  return *this;
}

HalideKernelLibrary::~HalideKernelLibrary() {
  if (handle_)
    dlclose(handle_);
}

Expected<HalideKernel>
HalideKernelLibrary::kernel(const std::string &symbol) const {
  const std::string entry = symbol + "_argv";
  void *fn = handle_ ? dlsym(handle_, entry.c_str()) : nullptr;
  if (!fn)
    return Status::error("no kernel '" + symbol + "' in " + path_);
  HalideKernel k;
  k.symbol_ = symbol;
  k.fn_ = reinterpret_cast<HalideKernel::ArgvFn>(fn);
  return k;
}

void HalideKernelLibrary::setThreads(int threads) const {
  using SetThreads = int (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(
          dlsym(handle_, "halide_set_num_threads")))
    set(threads);
}

} // namespace mamba::cpu
