#include "model/config_names.h"

namespace vkllm {

template <>
const std::vector<std::pair<NormType, std::string_view>>& enum_spellings<NormType>() {
    static const std::vector<std::pair<NormType, std::string_view>> names{
        {NormType::RMSNorm, "rmsnorm"}, {NormType::LayerNorm, "layernorm"}};
    return names;
}

template <>
const std::vector<std::pair<PositionEncoding, std::string_view>>& enum_spellings<PositionEncoding>() {
    static const std::vector<std::pair<PositionEncoding, std::string_view>> names{
        {PositionEncoding::None, "none"},       {PositionEncoding::RoPE, "rope"},
        {PositionEncoding::ALiBi, "alibi"},     {PositionEncoding::Learned, "learned"},
        {PositionEncoding::Sinusoidal, "sinusoidal"}};
    return names;
}

template <>
const std::vector<std::pair<RopeScaling, std::string_view>>& enum_spellings<RopeScaling>() {
    static const std::vector<std::pair<RopeScaling, std::string_view>> names{
        {RopeScaling::None, "none"},
        {RopeScaling::Linear, "linear"},
        {RopeScaling::DynamicNTK, "dynamic_ntk"},
        {RopeScaling::YaRN, "yarn"},
        {RopeScaling::Llama3, "llama3"}};
    return names;
}

template <>
const std::vector<std::pair<RopeStyle, std::string_view>>& enum_spellings<RopeStyle>() {
    static const std::vector<std::pair<RopeStyle, std::string_view>> names{{RopeStyle::NeoX, "neox"},
                                                                           {RopeStyle::GPTJ, "gptj"}};
    return names;
}

template <>
const std::vector<std::pair<Activation, std::string_view>>& enum_spellings<Activation>() {
    static const std::vector<std::pair<Activation, std::string_view>> names{{Activation::ReLU, "relu"},
                                                                            {Activation::GELU, "gelu"},
                                                                            {Activation::GELUTanh, "gelu_tanh"},
                                                                            {Activation::SiLU, "silu"}};
    return names;
}

template <>
const std::vector<std::pair<BlockLayout, std::string_view>>& enum_spellings<BlockLayout>() {
    static const std::vector<std::pair<BlockLayout, std::string_view>> names{
        {BlockLayout::Sequential, "sequential"}, {BlockLayout::ParallelResidual, "parallel_residual"}};
    return names;
}

template <>
const std::vector<std::pair<CapacityOverflow, std::string_view>>& enum_spellings<CapacityOverflow>() {
    static const std::vector<std::pair<CapacityOverflow, std::string_view>> names{
        {CapacityOverflow::NextBest, "next_best"}, {CapacityOverflow::Drop, "drop"}};
    return names;
}

template <>
const std::vector<std::pair<RouterType, std::string_view>>& enum_spellings<RouterType>() {
    static const std::vector<std::pair<RouterType, std::string_view>> names{{RouterType::Softmax, "softmax"},
                                                                            {RouterType::Sigmoid, "sigmoid"}};
    return names;
}

template <>
const std::vector<std::pair<ModelKind, std::string_view>>& enum_spellings<ModelKind>() {
    static const std::vector<std::pair<ModelKind, std::string_view>> names{
        {ModelKind::DecoderOnly, "decoder_only"}, {ModelKind::EncoderOnly, "encoder_only"}};
    return names;
}

template <>
const std::vector<std::pair<Pooling, std::string_view>>& enum_spellings<Pooling>() {
    static const std::vector<std::pair<Pooling, std::string_view>> names{{Pooling::Mean, "mean"}, {Pooling::Cls, "cls"}};
    return names;
}

}  // namespace vkllm
