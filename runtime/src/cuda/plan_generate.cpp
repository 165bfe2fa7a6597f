// The generation loop instantiated for the CUDA plan executor.
#include "../generate_impl.h"
#include "mamba/cuda_plan_model.h"

namespace mamba {

template Status checkGenerateInputs(const CudaPlanModel &,
                                    const std::vector<TokenId> &,
                                    const GenerateOptions &);
template Expected<GenerateStats>
generate(CudaPlanModel &, const std::vector<TokenId> &, const GenerateOptions &,
         const TokenCallback &, std::vector<float> *);

} // namespace mamba
