// The generation loop instantiated for the plan executor.
#include "../generate_impl.h"
#include "mamba/plan_model.h"

namespace mamba {

template Status checkGenerateInputs(const PlanModel &,
                                    const std::vector<TokenId> &,
                                    const GenerateOptions &);
template Expected<GenerateStats>
generate(PlanModel &, const std::vector<TokenId> &, const GenerateOptions &,
         const TokenCallback &, std::vector<float> *);

} // namespace mamba
