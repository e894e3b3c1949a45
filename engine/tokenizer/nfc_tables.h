#pragma once
// Unicode data for NFC, generated into nfc_tables.cpp by gen_nfc_tables.py.
// Every table is sorted by its first field.
#include <cstddef>

namespace vkllm::tokenizer::nfc {

struct CombiningRange {
    char32_t first, last;
    unsigned char combining_class;
};
struct Decomposition {
    char32_t composite, first, second;  // second is 0 for a single-character mapping
};
struct Composition {
    char32_t first, second, composite;
};

extern const CombiningRange kCombiningRanges[];
extern const std::size_t kCombiningRangeCount;
extern const Decomposition kDecompositions[];
extern const std::size_t kDecompositionCount;
extern const Composition kCompositions[];
extern const std::size_t kCompositionCount;

}  // namespace vkllm::tokenizer::nfc
