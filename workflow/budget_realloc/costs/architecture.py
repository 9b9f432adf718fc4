"""A decoder-only transformer reduced to what its parameters, FLOPs and KV cache depend on.

Why one reader for several families: the roofline (costs.roofline) and its calibration against
published throughput (costs.calibration) price Code Llama and Llama-2 (``llama``), Mistral
(``mistral``), Qwen2 (``qwen2``), StarCoder2 (``starcoder2``), GPT-J (``gptj``) and Falcon
(``falcon``).  They differ only in what a layer holds — a gated (3-matrix) or a plain (2-matrix)
MLP, which projections carry biases, RMSNorm (a weight) or LayerNorm (a weight and a bias), one
norm per layer or two — so each family is a row of rules, and the counts are the same formulas.
Every shipped architecture's count is checked against transformers' own (tests/test_roofline.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError


@dataclass(frozen=True)
class Architecture:
    """The shapes of a decoder: only what its parameters, FLOPs and KV cache depend on."""

    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    tied: bool
    mlp_matrices: int = 3      # gate, up, down (gated); 2: up, down
    layer_biases: int = 0      # bias parameters per layer (projections)
    layer_norms: int = 0       # norm parameters per layer (weights, and biases of LayerNorms)
    other_params: int = 0      # final norm, and an lm_head bias
    labels: int = 0            # a sequence classifier (a verifier): its head's outputs, instead of an lm_head

    @property
    def layer_matmul_params(self) -> int:
        """Weights of one layer's projections: q, k, v, o and the MLP's matrices."""
        q_width, kv_width = self.heads * self.head_dim, self.kv_heads * self.head_dim
        return self.hidden * (2 * q_width + 2 * kv_width) + self.mlp_matrices * self.hidden * self.intermediate

    @property
    def params(self) -> int:
        """Every parameter: embeddings, layers (projections, biases, norms), final norm, lm_head."""
        layer = self.layer_matmul_params + self.layer_biases + self.layer_norms
        head = self.hidden * self.labels if self.labels else 0 if self.tied else self.vocab * self.hidden
        return self.layers * layer + self.other_params + self.vocab * self.hidden + head

    @property
    def streamed_params(self) -> int:
        """Parameters a forward pass reads in full: all but an untied input embedding, of which
        it gathers only the batch's rows (a tied one is read whole as the lm_head)."""
        return self.params - (0 if self.tied else self.vocab * self.hidden)

    @property
    def token_matmul_flops(self) -> int:
        """FLOPs of one token through every projection and the lm_head: 2 per multiply-add."""
        return 2 * (self.layers * self.layer_matmul_params + self.vocab * self.hidden)

    @property
    def attention_flops_per_position(self) -> int:
        """FLOPs of one token's attention per position it attends to: QK^T and AV, each
        2 x heads x head_dim per layer (query heads: grouped-query attention saves bytes, not FLOPs)."""
        return 4 * self.layers * self.heads * self.head_dim

    def prompt_flops(self, tokens):
        """FLOPs of prefilling one prompt: causal attention (token t attends to t positions,
        summing to P(P+1)/2) and the lm_head for the last position only (``logits_to_keep=1``)."""
        layers = 2 * self.layers * self.layer_matmul_params * tokens
        attention = self.attention_flops_per_position * tokens * (tokens + 1) / 2
        return layers + attention + 2 * self.vocab * self.hidden

    def kv_bytes_per_token(self, dtype_bytes: int, heads: float | None = None) -> float:
        """One position's keys and values in every layer, for the cache's KV heads (grouped-query
        attention shrinks it) or for ``heads`` heads (what an expanding kernel reads)."""
        return 2 * self.layers * (self.kv_heads if heads is None else heads) * self.head_dim * dtype_bytes


@dataclass(frozen=True)
class _Family:
    """How one model_type names its shapes and what its layers hold."""

    names: dict[str, str]          # our field -> the config's key
    gated: bool                    # SwiGLU-style 3-matrix MLP
    layernorm: bool                # LayerNorm (weight + bias) rather than RMSNorm (weight)
    norms_per_layer: int
    default_intermediate: int = 0  # multiple of hidden when the config leaves it out (GPT-J, Falcon: 4)


_LLAMA_NAMES = {"hidden": "hidden_size", "intermediate": "intermediate_size", "layers": "num_hidden_layers",
                "heads": "num_attention_heads", "kv_heads": "num_key_value_heads", "vocab": "vocab_size"}
FAMILIES = {
    "llama": _Family(_LLAMA_NAMES, gated=True, layernorm=False, norms_per_layer=2),
    "mistral": _Family(_LLAMA_NAMES, gated=True, layernorm=False, norms_per_layer=2),
    "qwen2": _Family(_LLAMA_NAMES, gated=True, layernorm=False, norms_per_layer=2),
    "starcoder2": _Family(_LLAMA_NAMES, gated=False, layernorm=True, norms_per_layer=2),
    "gptj": _Family({"hidden": "n_embd", "intermediate": "n_inner", "layers": "n_layer", "heads": "n_head",
                     "kv_heads": "n_head", "vocab": "vocab_size"},
                    gated=False, layernorm=True, norms_per_layer=1, default_intermediate=4),
    "falcon": _Family({**_LLAMA_NAMES, "intermediate": "ffn_hidden_size", "kv_heads": "num_kv_heads"},
                      gated=False, layernorm=True, norms_per_layer=2, default_intermediate=4),
}


def read_architecture(architecture: str | Path, classifier: bool = False) -> Architecture:
    """An Architecture from a config.json (or a model directory holding one); ``classifier``:
    a sequence classifier (a verifier) is read too, its head counted (cluster requests)."""
    path = Path(architecture)
    if path.is_dir():
        path = path / "config.json"
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise UserError(f"architecture {path}: cannot read it as a config.json ({error})") from None
    if not isinstance(config, dict):
        raise UserError(f"architecture {path}: not a config.json (a JSON object)")
    model_type = config.get("model_type")
    family = FAMILIES.get(model_type)
    if family is None:
        raise UserError(f"architecture {path}: model_type {model_type!r} is not one the roofline counts "
                        f"({', '.join(FAMILIES)})")
    labels = 0
    for name in config.get("architectures") or []:
        if classifier and name.endswith("ForSequenceClassification"):
            labels = config.get("num_labels", 2)
        elif not name.endswith("ForCausalLM"):
            raise UserError(f"architecture {path}: {name} does not generate (the roofline costs a causal LM)")

    def field(name: str, default: int | None = None) -> int:
        value = config.get(name)
        if value is None:
            value = default
        if value is None:
            raise UserError(f"architecture {path}: no '{name}' (the roofline needs it)")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UserError(f"architecture {path}: '{name}' is {value!r}, not a positive integer")
        return value

    names = family.names
    hidden, heads = field(names["hidden"]), field(names["heads"])
    kv_heads = field(names["kv_heads"], heads)                             # absent: multi-head attention
    if model_type == "falcon" and not config.get("new_decoder_architecture"):
        kv_heads = 1 if config.get("multi_query", True) else heads
    intermediate = field(names["intermediate"], family.default_intermediate * hidden or None)
    head_dim = field("head_dim", hidden // heads)
    q_width, kv_width = heads * head_dim, kv_heads * head_dim
    biases, other = _biases(model_type, config, hidden, intermediate, q_width, kv_width)
    norm = (2 if family.layernorm else 1) * hidden
    vocab = field(names["vocab"])
    tied = bool(config.get("tie_word_embeddings", model_type == "falcon"))
    return Architecture(hidden=hidden, intermediate=intermediate, layers=field(names["layers"]), heads=heads,
                        kv_heads=kv_heads, head_dim=head_dim, vocab=vocab, tied=tied,
                        mlp_matrices=3 if family.gated else 2, layer_biases=biases,
                        layer_norms=family.norms_per_layer * norm, other_params=norm + other, labels=labels)


def _biases(model_type: str, config: dict, hidden: int, intermediate: int, q_width: int,
            kv_width: int) -> tuple[int, int]:
    """(bias parameters per layer, bias parameters outside the layers) of a family's projections."""
    qkv, output, mlp = q_width + 2 * kv_width, hidden, intermediate + hidden
    if model_type == "qwen2":
        return qkv, 0                                                    # q, k, v only
    if model_type == "starcoder2":
        return (qkv + output + mlp) * bool(config.get("use_bias", True)), 0
    if model_type == "gptj":
        return mlp, config.get("vocab_size", 0)                          # fc_in, fc_out; the lm_head's bias
    if model_type == "falcon":
        return (qkv + output + mlp) * bool(config.get("bias", False)), 0
    gated_mlp = 2 * intermediate + hidden                                # gate, up, down
    return ((qkv + output) * bool(config.get("attention_bias")) + gated_mlp * bool(config.get("mlp_bias"))
            if model_type == "llama" else 0), 0
