#!/usr/bin/env python3
"""Writes the small seed inputs in corpus/ (run from any folder).

Seeds are valid files, as small as possible, so that the fuzzers start from
inputs that reach deep into the readers instead of failing at the magic."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def gguf_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, type_id, payload):
    return gguf_str(key) + struct.pack("<I", type_id) + payload


def kv_u32(key, v):
    return kv(key, 4, struct.pack("<I", v))


def kv_f32(key, v):
    return kv(key, 6, struct.pack("<f", v))


def kv_string(key, v):
    return kv(key, 8, gguf_str(v))


def q8_0_rows(count):
    """count elements as Q8_0 blocks: f16 scale 1/64, codes cycling -3..3."""
    out = b""
    for block in range(count // 32):
        out += struct.pack("<e", 1 / 64) + bytes((((i + block) % 7) - 3) & 0xFF for i in range(32))
    return out


def f32_values(count):
    return struct.pack(f"<{count}f", *[1 + 0.01 * i for i in range(count)])


def gguf(kvs, tensors, version=3, alignment=32):
    """tensors: (name, ne list, ggml type, data bytes)."""
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs)
    infos, data = b"", b""
    for name, ne, ggml_type, payload in tensors:
        infos += gguf_str(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
        infos += struct.pack("<IQ", ggml_type, len(data))
        data += payload + b"\0" * (-len(payload) % alignment)
    out = head + infos
    return out + b"\0" * (-len(out) % alignment) + data


def tiny_llama(arch="llama", experts=0):
    h, ffn, vocab = 32, 32, 4
    kvs = [
        kv_string("general.architecture", arch),
        kv_u32(f"{arch}.embedding_length", h),
        kv_u32(f"{arch}.block_count", 1),
        kv_u32(f"{arch}.feed_forward_length", ffn),
        kv_u32(f"{arch}.attention.head_count", 2),
        kv_u32(f"{arch}.attention.head_count_kv", 1),
        kv_u32(f"{arch}.context_length", 64),
        kv_f32(f"{arch}.attention.layer_norm_rms_epsilon", 1e-5),
        kv_string(f"{arch}.rope.scaling.type", "linear"),
        kv_f32(f"{arch}.rope.scaling.factor", 2.0),
        kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, vocab) + b"".join(gguf_str(t) for t in "abcd")),
    ]
    tensors = [
        ("token_embd.weight", [h, vocab], 8, q8_0_rows(h * vocab)),
        ("blk.0.attn_norm.weight", [h], 0, f32_values(h)),
        ("blk.0.attn_q.weight", [h, h], 8, q8_0_rows(h * h)),
        ("blk.0.attn_k.weight", [h, 16], 1, struct.pack("<512e", *[0.01 * (i % 50) for i in range(512)])),
        ("blk.0.attn_v.weight", [h, 16], 2, bytes(range(9)) * 32),  # Q4_0: 16 rows of one 18-byte block
        ("blk.0.attn_output.weight", [h, h], 8, q8_0_rows(h * h)),
        ("blk.0.ffn_norm.weight", [h], 0, f32_values(h)),
        ("output_norm.weight", [h], 0, f32_values(h)),
    ]
    if experts:
        kvs += [kv_u32(f"{arch}.expert_count", experts), kv_u32(f"{arch}.expert_used_count", 1)]
        tensors += [
            ("blk.0.ffn_gate_inp.weight", [h, experts], 0, f32_values(h * experts)),
            ("blk.0.ffn_gate_exps.weight", [h, ffn, experts], 8, q8_0_rows(h * ffn * experts)),
            ("blk.0.ffn_up_exps.weight", [h, ffn, experts], 8, q8_0_rows(h * ffn * experts)),
            ("blk.0.ffn_down_exps.weight", [ffn, h, experts], 8, q8_0_rows(h * ffn * experts)),
        ]
    else:
        tensors += [
            ("blk.0.ffn_gate.weight", [h, ffn], 8, q8_0_rows(h * ffn)),
            ("blk.0.ffn_up.weight", [h, ffn], 30, struct.pack(f"<{h * ffn}H", *[0x3F80 + i % 64 for i in range(h * ffn)])),
            ("blk.0.ffn_down.weight", [ffn, h], 8, q8_0_rows(h * ffn)),
        ]
    return gguf(kvs, tensors)


def metadata_only():
    nested = struct.pack("<IQ", 9, 2) + struct.pack("<IQ2q", 11, 2, -1, 2) + struct.pack("<IQ", 8, 1) + gguf_str("x")
    kvs = [
        kv("u8", 0, b"\x07"), kv("i8", 1, b"\xff"), kv("u16", 2, struct.pack("<H", 9)),
        kv("i16", 3, struct.pack("<h", -9)), kv_u32("general.alignment", 64), kv("i32", 5, struct.pack("<i", -3)),
        kv_f32("f32", 0.25), kv("bool", 7, b"\x01"), kv_string("general.architecture", "qwen2"),
        kv("u64", 10, struct.pack("<Q", 1 << 40)), kv("i64", 11, struct.pack("<q", -5)),
        kv("f64", 12, struct.pack("<d", 3.5)), kv("nested", 9, nested),
    ]
    return gguf(kvs, [("w", [32, 2], 0, f32_values(64))], version=2, alignment=64)


def safetensors(tensors):
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write(folder, name, data):
    os.makedirs(os.path.join(HERE, "corpus", folder), exist_ok=True)
    with open(os.path.join(HERE, "corpus", folder, name), "wb") as f:
        f.write(data)


write("gguf", "tiny_llama.gguf", tiny_llama())
write("gguf", "tiny_moe.gguf", tiny_llama(experts=2))
write("gguf", "tiny_qwen2.gguf", tiny_llama(arch="qwen2"))
write("gguf", "metadata_v2.gguf", metadata_only())
write("safetensors", "three_dtypes.safetensors", safetensors([
    ("a", "F32", [2, 3], f32_values(6)),
    ("b", "F16", [4], struct.pack("<4e", 1, -2, 0.5, 3)),
    ("c", "BF16", [1, 2], struct.pack("<2H", 0x3F80, 0xC000)),
]))
write("safetensors", "empty_shape.safetensors", safetensors([("s", "F32", [], f32_values(1)), ("z", "F16", [0, 4], b"")]))
