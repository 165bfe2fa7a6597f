// The generation loop instantiated for the CUDA executor (state on device).
#include "../generate_impl.h"
#include "mamba/cuda_model.h"

namespace mamba {

template Status checkGenerateInputs(const CudaModel &,
                                    const std::vector<TokenId> &,
                                    const GenerateOptions &);
template Expected<GenerateStats>
generate(CudaModel &, const std::vector<TokenId> &, const GenerateOptions &,
         const TokenCallback &, std::vector<float> *);

} // namespace mamba
