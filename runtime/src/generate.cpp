// The generation loop instantiated for the CPU executor.
#include "generate_impl.h"

namespace mamba {

template Status checkGenerateInputs(const CpuModel &,
                                    const std::vector<TokenId> &,
                                    const GenerateOptions &);
template Expected<GenerateStats>
generate(CpuModel &, const std::vector<TokenId> &, const GenerateOptions &,
         const TokenCallback &, std::vector<float> *);

} // namespace mamba
