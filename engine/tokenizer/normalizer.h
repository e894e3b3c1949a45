#pragma once
// Text normalization applied to each stretch of text between added tokens,
// before pre-tokenization.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/regex.h"

namespace vkllm::tokenizer {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void apply(std::string& text) const = 0;
};

// Adds `prefix` in front of non-empty text (SentencePiece's dummy prefix).
class PrependNormalizer : public Normalizer {
public:
    explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
    void apply(std::string& text) const override;

private:
    std::string prefix_;
};

// Replaces every occurrence of a literal string, or of a regex when one is given.
class ReplaceNormalizer : public Normalizer {
public:
    ReplaceNormalizer(std::string literal, std::string content) : literal_(std::move(literal)), content_(std::move(content)) {}
    ReplaceNormalizer(Regex regex, std::string content) : regex_(std::move(regex)), content_(std::move(content)) {}
    void apply(std::string& text) const override;

private:
    std::string literal_;
    std::optional<Regex> regex_;
    std::string content_;
};

// Unicode Normalization Form C.
class NfcNormalizer : public Normalizer {
public:
    void apply(std::string& text) const override;
};

class NormalizerSequence : public Normalizer {
public:
    explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
    void apply(std::string& text) const override {
        for (const auto& step : steps_) step->apply(text);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace vkllm::tokenizer
