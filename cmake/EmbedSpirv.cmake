# -DSPV=<file.spv> -DOUT=<file.cpp> -DNAME=<variant>: writes the words as a C++ array.
file(READ ${SPV} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR words "${hex_len} / 8")
# SPIR-V is little-endian 32-bit words; regroup bytes b0 b1 b2 b3 -> 0xb3b2b1b0.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," body "${hex}")
file(WRITE ${OUT} "#include <cstddef>\n#include <cstdint>\nextern const uint32_t spv_${NAME}[] = {${body}};\nextern const size_t spv_${NAME}_words = ${words};\n")
