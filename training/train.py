#!/usr/bin/env python3
"""Train the small default model of vkllm from scratch on the King James Bible.

One run does everything:
  1. trains a byte-level BPE tokenizer on the training text,
  2. trains a small Llama-architecture decoder once per dropout rate given, each
     for a fixed wall-clock budget with a cosine learning-rate schedule over it,
     and keeps the weights with the lowest loss on the dev chapters,
  3. exports a Hugging Face style directory (config.json, model.safetensors in
     f16, tokenizer.json, tokenizer_config.json),
  4. reloads that directory with transformers' LlamaForCausalLM, checks its logits
     against the model defined here, and measures perplexity on the validation
     chapters (never used for any choice) with it,
  5. picks the short held-out passage shipped as heldout.txt and measures it too,
  6. prints greedy and sampled continuations of a few prompts.

Input: the folder written by training/prepare_data.py (train.txt, dev.txt,
valid.txt). Output: the files above plus metrics.json and train_log.txt in --out.

Sequence layout (training and evaluation alike): the text is split into chapters,
each chapter is encoded without special tokens and followed by <|eos|>, and the
chapters are concatenated into one token stream. A window of the context length
T takes T consecutive stream tokens as targets; its input is <|bos|> followed by
the first T-1 of them, so each target is predicted from what precedes it in the
window.
"""
import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

BOS, EOS = "<|bos|>", "<|eos|>"
PROMPTS = ["In the beginning", "And Jesus said", "The LORD is my shepherd"]


# ----------------------------------------------------------------------------
# Tokenizer


def train_tokenizer(train_text, vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[BOS, EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(split_chapters(train_text), trainer=trainer)
    bos_id = tok.token_to_id(BOS)
    # Plain encode() puts <|bos|> in front, as the model always saw it there.
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", special_tokens=[(BOS, bos_id)])
    return tok


def split_chapters(text):
    return [c.strip("\n") + "\n" for c in text.split("\n\n") if c.strip()]


def encode_stream(tok, text):
    eos_id = tok.token_to_id(EOS)
    ids = []
    for enc in tok.encode_batch(split_chapters(text), add_special_tokens=False):
        ids.extend(enc.ids)
        ids.append(eos_id)
    return torch.tensor(ids, dtype=torch.long)


# ----------------------------------------------------------------------------
# Model: a pre-norm decoder with rotary positions, grouped-query attention and a
# SiLU-gated feed-forward block. Module names follow the Hugging Face Llama
# layout so the state dict exports without renaming.


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * xf.to(x.dtype)


def rotary_tables(head_dim, length, theta, device):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, device=device).float() / head_dim))
    angles = torch.outer(torch.arange(length, device=device).float(), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)  # first and second half share a frequency
    return angles.cos(), angles.sin()


def apply_rotary(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return (x * cos + rotated * sin).to(x.dtype)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, h, kv, hd = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
        self.h, self.kv, self.hd = h, kv, hd
        self.q_proj = nn.Linear(d, h * hd, bias=False)
        self.k_proj = nn.Linear(d, kv * hd, bias=False)
        self.v_proj = nn.Linear(d, kv * hd, bias=False)
        self.o_proj = nn.Linear(h * hd, d, bias=False)
        self.dropout = cfg["dropout"]

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv, self.hd).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        y = F.scaled_dot_product_attention(
            q, k, v, is_causal=True, enable_gqa=True,
            dropout_p=self.dropout if self.training else 0.0)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.h * self.hd))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, f = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.mlp = FeedForward(cfg)
        self.drop = nn.Dropout(cfg["dropout"])

    def forward(self, x, cos, sin):
        x = x + self.drop(self.self_attn(self.input_layernorm(x), cos, sin))
        return x + self.drop(self.mlp(self.post_attention_layernorm(x)))


class Trunk(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class TinyLlama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = Trunk(cfg)
        self.drop = nn.Dropout(cfg["dropout"])
        self.reset_parameters()

    def reset_parameters(self):
        residual_std = 0.02 / math.sqrt(2 * self.cfg["num_hidden_layers"])
        for name, p in self.named_parameters():
            if p.dim() == 1:
                nn.init.ones_(p)
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(p, std=residual_std)
            else:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids):
        cos, sin = rotary_tables(self.cfg["head_dim"], ids.shape[1], self.cfg["rope_theta"], ids.device)
        x = self.drop(self.model.embed_tokens(ids))
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        # The output projection is the embedding matrix itself (tied weights).
        return F.linear(self.model.norm(x), self.model.embed_tokens.weight)


# ----------------------------------------------------------------------------
# Data windows


def random_batch(stream, batch, ctx, bos_id, gen):
    offsets = torch.randint(0, stream.numel() - ctx, (batch,), device=stream.device, generator=gen)
    idx = offsets[:, None] + torch.arange(ctx, device=stream.device)[None, :]
    targets = stream[idx]
    inputs = torch.cat([torch.full((batch, 1), bos_id, device=stream.device), targets[:, :-1]], dim=1)
    return inputs, targets


def eval_windows(stream, ctx, bos_id):
    """Non-overlapping windows covering every stream token exactly once."""
    out = []
    for start in range(0, stream.numel(), ctx):
        targets = stream[start:start + ctx]
        inputs = torch.cat([torch.tensor([bos_id]), targets[:-1]])
        out.append((inputs, targets))
    return out


@torch.no_grad()
def total_nll(logits_fn, windows, device, batch=64):
    """Sum of token negative log-likelihoods (nats, f64) and the token count."""
    nll, count = 0.0, 0
    for i in range(0, len(windows), batch):
        group = windows[i:i + batch]
        lengths = {w[0].numel() for w in group}
        for n in sorted(lengths):  # the last window may be shorter
            same = [w for w in group if w[0].numel() == n]
            inputs = torch.stack([w[0] for w in same]).to(device)
            targets = torch.stack([w[1] for w in same]).to(device)
            logits = logits_fn(inputs).float()
            nll += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                   reduction="sum").double().item()
            count += targets.numel()
    return nll, count


# ----------------------------------------------------------------------------
# Export


def hf_config(cfg, bos_id, eos_id):
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": cfg["vocab_size"],
        "hidden_size": cfg["hidden_size"],
        "intermediate_size": cfg["intermediate_size"],
        "num_hidden_layers": cfg["num_hidden_layers"],
        "num_attention_heads": cfg["num_attention_heads"],
        "num_key_value_heads": cfg["num_key_value_heads"],
        "head_dim": cfg["head_dim"],
        "hidden_act": "silu",
        "max_position_embeddings": cfg["context"],
        "rms_norm_eps": cfg["rms_norm_eps"],
        "rope_theta": cfg["rope_theta"],
        "rope_scaling": None,
        "attention_bias": False,
        "attention_dropout": 0.0,
        "mlp_bias": False,
        "tie_word_embeddings": True,
        "initializer_range": 0.02,
        "bos_token_id": bos_id,
        "eos_token_id": eos_id,
        "torch_dtype": "float16",
        "use_cache": True,
    }


def export(model, tok, cfg, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    bos_id, eos_id = tok.token_to_id(BOS), tok.token_to_id(EOS)
    tensors = {k: v.detach().to(torch.float16).contiguous().cpu()
               for k, v in model.state_dict().items()}
    save_file(tensors, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    (out_dir / "config.json").write_text(json.dumps(hf_config(cfg, bos_id, eos_id), indent=2) + "\n")
    tok.save(str(out_dir / "tokenizer.json"))
    tok_cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": BOS,
        "eos_token": EOS,
        "add_bos_token": True,
        "add_eos_token": False,
        "model_max_length": cfg["context"],
        "clean_up_tokenization_spaces": False,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2) + "\n")


# ----------------------------------------------------------------------------
# Held-out passage shipped with the model


def pick_passage(valid_text, tok, ctx):
    """Leading whole verses of the first validation chapter, as many as fit in one
    window: <|bos|> plus the passage's tokens is at most ctx tokens."""
    verses = split_chapters(valid_text)[0].splitlines()
    passage = ""
    for verse in verses:
        candidate = passage + verse + "\n"
        if 1 + len(tok.encode(candidate, add_special_tokens=False).ids) > ctx:
            break
        passage = candidate
    return passage


# ----------------------------------------------------------------------------
# Text generation (plain loop over full forward passes; the context is short)


@torch.no_grad()
def continue_text(logits_fn, tok, prompt, ctx, new_tokens, temperature, top_k, gen, device):
    ids = tok.encode(prompt).ids  # starts with <|bos|>
    eos_id = tok.token_to_id(EOS)
    for _ in range(new_tokens):
        window = torch.tensor([ids[-ctx:]], device=device)
        logits = logits_fn(window)[0, -1].float()
        if temperature == 0:
            nxt = int(logits.argmax())
        else:
            logits = logits / temperature
            if top_k:
                kth = torch.topk(logits, top_k).values[-1]
                logits = logits.masked_fill(logits < kth, -float("inf"))
            nxt = int(torch.multinomial(F.softmax(logits, -1), 1, generator=gen))
        if nxt == eos_id:
            break
        ids.append(nxt)
    return tok.decode(ids, skip_special_tokens=True)


# ----------------------------------------------------------------------------
# Training


def lr_at(step, elapsed, seconds, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    frac = min(1.0, elapsed / seconds)
    floor = args.lr * args.min_lr_ratio
    return floor + 0.5 * (args.lr - floor) * (1 + math.cos(math.pi * frac))


def train_one(cfg, seconds, train_gpu, dev_windows, bos_id, args, log):
    """Train a fresh model for `seconds` of wall-clock time (cosine schedule over
    that time) and return the weights with the lowest dev loss seen."""
    device = train_gpu.device
    torch.manual_seed(args.seed)
    model = TinyLlama(cfg).to(device)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), fused=True)
    gen = torch.Generator(device=device).manual_seed(args.seed)

    def dev_loss():
        model.eval()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            nll, count = total_nll(model, dev_windows, device)
        model.train()
        return nll / count

    best = {"dev_loss": float("inf"), "step": 0, "state": None, "train_loss": None}
    history = []
    step, loss = 0, None
    t_train = time.time()
    model.train()
    while True:
        elapsed = time.time() - t_train
        if elapsed >= seconds:
            break
        lr = lr_at(step, elapsed, seconds, args)
        for group in opt.param_groups:
            group["lr"] = lr
        inputs, targets = random_batch(train_gpu, args.batch, args.context, bos_id, gen)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(inputs)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        last = time.time() - t_train >= seconds
        if step % args.eval_every == 0 or last:
            lt, ld = loss.item(), dev_loss()
            history.append({"step": step, "seconds": round(time.time() - t_train, 1),
                            "lr": lr, "train_loss": lt, "dev_loss": ld})
            mark = ""
            if ld < best["dev_loss"]:
                best = {"dev_loss": ld, "step": step, "train_loss": lt,
                        "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}
                mark = " *"
            log(f"  step {step:6d} {time.time() - t_train:6.1f}s lr {lr:.2e} "
                f"train {lt:.4f} dev {ld:.4f} (ppl {math.exp(ld):.2f}){mark}")
    train_seconds = time.time() - t_train
    log(f"  {step} steps in {train_seconds:.1f}s "
        f"({step * args.batch * args.context / train_seconds / 1e6:.2f}M tokens/s); "
        f"best dev loss {best['dev_loss']:.4f} at step {best['step']}")
    model.load_state_dict(best["state"])
    return model, {"dropout": cfg["dropout"], "seconds": round(train_seconds, 1), "steps": step,
                   "final_train_loss": loss.item(), "best_step": best["step"],
                   "train_loss_at_best": best["train_loss"], "best_dev_loss_bf16": best["dev_loss"],
                   "history": history}


def parse_runs(text):
    """'0.2:45,0.3:60' -> [(dropout, seconds), ...]"""
    runs = []
    for item in text.split(","):
        dropout, seconds = item.split(":")
        runs.append((float(dropout), float(seconds)))
    return runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".train-data")
    ap.add_argument("--out", default=os.environ.get("OUT", "out"))
    ap.add_argument("--runs", default="0.2:45,0.3:60,0.4:80",
                    help="dropout:seconds pairs; each trains a fresh model, the best on dev is kept")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=688)
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()

    t_start = time.time()
    random.seed(args.seed)
    device = "cuda"
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_lines = []

    def log(msg):
        print(msg, flush=True)
        log_lines.append(msg)

    log(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    texts = {name: (Path(args.data) / f"{name}.txt").read_text() for name in ("train", "dev", "valid")}

    t0 = time.time()
    tok = train_tokenizer(texts["train"], args.vocab)
    bos_id, eos_id = tok.token_to_id(BOS), tok.token_to_id(EOS)
    streams = {name: encode_stream(tok, text) for name, text in texts.items()}
    log(f"tokenizer: vocab {tok.get_vocab_size()}, bos {bos_id}, eos {eos_id}, "
        f"{time.time() - t0:.1f}s; tokens " + ", ".join(f"{k} {v.numel()}" for k, v in streams.items())
        + f" ({len(texts['train'].encode()) / streams['train'].numel():.2f} bytes/token)")

    base_cfg = {
        "vocab_size": tok.get_vocab_size(), "hidden_size": args.hidden,
        "num_hidden_layers": args.layers, "num_attention_heads": args.heads,
        "num_key_value_heads": args.kv_heads, "head_dim": args.hidden // args.heads,
        "intermediate_size": args.ffn, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "context": args.context,
    }
    train_gpu = streams["train"].to(device)
    dev_windows = eval_windows(streams["dev"], args.context, bos_id)
    valid_windows = eval_windows(streams["valid"], args.context, bos_id)

    runs, model, chosen = [], None, None
    for dropout, seconds in parse_runs(args.runs):
        cfg = dict(base_cfg, dropout=dropout)
        log(f"run: dropout {dropout}, {seconds}s")
        candidate, summary = train_one(cfg, seconds, train_gpu, dev_windows, bos_id, args, log)
        runs.append(summary)
        if chosen is None or summary["best_dev_loss_bf16"] < chosen["best_dev_loss_bf16"]:
            model, chosen, cfg_chosen = candidate, summary, cfg
        else:
            del candidate
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {json.dumps(cfg_chosen)}; {n_params} parameters; chosen run: dropout "
        f"{chosen['dropout']}, step {chosen['best_step']}, dev loss {chosen['best_dev_loss_bf16']:.4f}")
    model.eval()
    export(model, tok, cfg_chosen, out_dir)

    # Reload the exported directory with transformers and compare with the model
    # here, both in f32 and both from the same f16-rounded weights.
    from transformers import LlamaForCausalLM
    hf = LlamaForCausalLM.from_pretrained(str(out_dir), dtype=torch.float32).to(device).eval()
    model.float()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.float16).float())
        probe = torch.stack([w[0] for w in valid_windows[:4]]).to(device)
        ours = model(probe)
        theirs = hf(probe).logits
        max_diff = (ours - theirs).abs().max().item()
    log(f"logits: own model vs transformers, max abs difference {max_diff:.3e} "
        f"(largest logit magnitude {theirs.abs().max().item():.2f})")
    if not max_diff < 2e-3:
        raise SystemExit("exported model does not match the trained one")

    def hf_logits(ids):
        return hf(ids).logits

    nll, count = total_nll(hf_logits, valid_windows, device)
    ppl = math.exp(nll / count)
    dev_nll, dev_count = total_nll(hf_logits, dev_windows, device)
    log(f"held-out perplexity (transformers, f32, f16 weights): valid {ppl:.4f} over {count} tokens; "
        f"dev {math.exp(dev_nll / dev_count):.4f} over {dev_count} tokens")

    passage = pick_passage(texts["valid"], tok, args.context)
    (out_dir / "heldout.txt").write_text(passage)
    passage_ids = tok.encode(passage).ids
    p_nll, p_count = total_nll(hf_logits, [(torch.tensor(passage_ids[:-1]),
                                             torch.tensor(passage_ids[1:]))], device)
    p_ppl = math.exp(p_nll / p_count)
    log(f"heldout.txt: {len(passage.encode())} bytes, {len(passage_ids)} tokens with <|bos|>, "
        f"perplexity {p_ppl:.4f} over {p_count} predicted tokens")

    try:
        from transformers import AutoTokenizer
        auto = AutoTokenizer.from_pretrained(str(out_dir))
        same = auto(passage)["input_ids"] == passage_ids
        log(f"AutoTokenizer gives the same ids for heldout.txt: {same}")
    except Exception as e:  # informative only
        same = f"not checked: {e}"
        log(f"AutoTokenizer check failed: {e}")

    samples = []
    sgen = torch.Generator(device=device).manual_seed(7)
    for prompt in PROMPTS:
        for temperature, top_k in ((0.0, 0), (0.8, 40)):
            text = continue_text(hf_logits, tok, prompt, args.context, 60, temperature, top_k, sgen, device)
            samples.append({"prompt": prompt, "temperature": temperature, "top_k": top_k, "text": text})
            log(f"--- {prompt!r} temperature {temperature} top_k {top_k}:\n{text}")

    metrics = {
        "parameters": n_params,
        "config": cfg_chosen,
        "hyperparameters": vars(args),
        "tokens": {k: v.numel() for k, v in streams.items()},
        "runs": runs,
        "chosen_run": {k: v for k, v in chosen.items() if k != "history"},
        "logits_max_abs_diff_vs_transformers": max_diff,
        "heldout_perplexity": ppl,
        "heldout_method": (
            "validation chapters (valid.txt) as one stream: each chapter encoded without special "
            "tokens, followed by <|eos|>; split into consecutive non-overlapping chunks of "
            f"{args.context} tokens (last one shorter); each chunk is predicted from <|bos|> followed by "
            "the chunk minus its last token; perplexity = exp(sum of NLL / number of predicted tokens). "
            "Computed with transformers LlamaForCausalLM in float32 from the exported f16 weights."),
        "heldout_tokens_evaluated": count,
        "heldout_nll_sum": nll,
        "dev_perplexity": math.exp(dev_nll / dev_count),
        "passage_perplexity": p_ppl,
        "passage_method": (
            "heldout.txt as bytes (with its final newline), encoded with tokenizer.json including "
            "the leading <|bos|>; one forward pass; perplexity = exp(mean NLL of every token after "
            "<|bos|>). transformers LlamaForCausalLM, float32, exported f16 weights."),
        "passage_bytes": len(passage.encode()),
        "passage_token_ids": passage_ids,
        "passage_tokens_predicted": p_count,
        "passage_nll_sum": p_nll,
        "auto_tokenizer_matches": same,
        "samples": samples,
        "total_seconds": round(time.time() - t_start, 1),
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(),
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out_dir / "train_log.txt").write_text("\n".join(log_lines) + "\n")
    log(f"done in {time.time() - t_start:.1f}s")


if __name__ == "__main__":
    main()
