// The JSON form of a step's "cuda_scan" (a generic scan's description for
// the GPU executor): writer and validating reader, used by plan_json.cpp.
#ifndef MAMBA_SRC_PLAN_SCAN_JSON_H
#define MAMBA_SRC_PLAN_SCAN_JSON_H

#include "mamba/json.h"
#include "mamba/plan.h"

#include <string>

namespace mamba::plan {

std::string scanDescJson(const ScanDesc &desc);
/// Reads and validates `v`; errors name the JSON path below `path`.
Status readScanDesc(const JsonValue &v, const std::string &path, ScanDesc &out);

} // namespace mamba::plan

#endif // MAMBA_SRC_PLAN_SCAN_JSON_H
