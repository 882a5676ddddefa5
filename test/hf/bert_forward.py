"""Independent NumPy forward pass of a Hugging Face BertModel, for test/hf/import-hf.test.ts.

Reads HF_DIR/config.json and HF_DIR/model.safetensors directly (the safetensors header is parsed here: 8-byte
little-endian length, JSON header, raw data), the token ids from IDS_JSON ({"ids": [[...], ...], "pad_id": 0}),
and writes OUT_JSON {"states": [n][L][d], "pooled": [n][d]}: the last hidden state (BertModel's
last_hidden_state, in float64) and its mean over non-pad tokens. Written from the BERT paper and the layout of
transformers' modeling_bert.py (post-LN, erf GELU, attention mask from padding), not from the TypeScript code.

Usage: python3 bert_forward.py HF_DIR IDS_JSON OUT_JSON
"""
import json
import math
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")).reshape(e["shape"]).astype(np.float64)
    return out


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def linear(t, name, x):
    # PyTorch nn.Linear: y = x W^T + b, W stored [out, in]
    return x @ t[name + ".weight"].T + t[name + ".bias"]


def main():
    hf_dir, ids_path, out_path = sys.argv[1:4]
    with open(f"{hf_dir}/config.json") as f:
        cfg = json.load(f)
    t = read_safetensors(f"{hf_dir}/model.safetensors")
    t = {k[len("bert.") :] if k.startswith("bert.") else k: v for k, v in t.items()}
    with open(ids_path) as f:
        spec = json.load(f)
    ids = np.array(spec["ids"], dtype=np.int64)
    n, length = ids.shape
    d = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    dh = d // heads
    eps = cfg.get("layer_norm_eps", 1e-12)
    attention_mask = (ids != spec["pad_id"]).astype(np.float64)  # [n, L]

    h = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][np.arange(length)][None] + t["embeddings.token_type_embeddings.weight"][0][None, None]
    h = layer_norm(h, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
    extended = (1.0 - attention_mask)[:, None, None, :] * np.finfo(np.float32).min  # as get_extended_attention_mask
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}"

        def split(x):
            return x.reshape(n, length, heads, dh).transpose(0, 2, 1, 3)

        q = split(linear(t, f"{p}.attention.self.query", h))
        k = split(linear(t, f"{p}.attention.self.key", h))
        v = split(linear(t, f"{p}.attention.self.value", h))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(dh) + extended
        scores = scores - scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs = probs / probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(n, length, d)
        attn = linear(t, f"{p}.attention.output.dense", context)
        h = layer_norm(attn + h, t[f"{p}.attention.output.LayerNorm.weight"], t[f"{p}.attention.output.LayerNorm.bias"], eps)
        inter = gelu(linear(t, f"{p}.intermediate.dense", h))
        out = linear(t, f"{p}.output.dense", inter)
        h = layer_norm(out + h, t[f"{p}.output.LayerNorm.weight"], t[f"{p}.output.LayerNorm.bias"], eps)
    pooled = (h * attention_mask[:, :, None]).sum(1) / attention_mask.sum(1, keepdims=True)
    with open(out_path, "w") as f:
        json.dump({"states": h.tolist(), "pooled": pooled.tolist()}, f)


if __name__ == "__main__":
    main()
