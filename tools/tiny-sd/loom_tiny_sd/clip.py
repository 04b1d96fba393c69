"""Plain-torch replicas of transformers' CLIP text and vision towers.

Module names and forward semantics follow `transformers/models/clip/modeling_clip.py` (4.2x, the
era of the public Stable Diffusion exports), so `state_dict()` keys equal the real checkpoints'
(`text_model.encoder.layers.0.self_attn.q_proj.weight`, ...) and `torch.onnx.export` produces the
real node names (`/text_model/encoder/layers.0/self_attn/q_proj/MatMul`).
"""
from types import SimpleNamespace

import torch
from torch import nn
import torch.nn.functional as F


def cfg(d):
    """Turns a config.json dict into attribute access (like `PretrainedConfig`)."""
    return SimpleNamespace(**d)


class QuickGELUActivation(nn.Module):
    # transformers.activations.QuickGELUActivation: x * sigmoid(1.702 x) (OpenAI CLIP)
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class GELUActivation(nn.Module):
    # transformers.activations.GELUActivation: exact erf GELU (OpenCLIP bigG uses "gelu")
    def forward(self, x):
        return F.gelu(x)


ACT = {"quick_gelu": QuickGELUActivation, "gelu": GELUActivation}


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embedding = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings).expand((1, -1)))

    def forward(self, input_ids):
        seq_length = input_ids.shape[-1]
        position_ids = self.position_ids[:, :seq_length]
        return self.token_embedding(input_ids) + self.position_embedding(position_ids)


class CLIPVisionEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.class_embedding = nn.Parameter(torch.empty(c.hidden_size).normal_())
        self.patch_embedding = nn.Conv2d(c.num_channels, c.hidden_size, c.patch_size, stride=c.patch_size, bias=False)
        num_positions = (c.image_size // c.patch_size) ** 2 + 1
        self.position_embedding = nn.Embedding(num_positions, c.hidden_size)
        self.register_buffer("position_ids", torch.arange(num_positions).expand((1, -1)))

    def forward(self, pixel_values):
        batch_size = pixel_values.shape[0]
        patch_embeds = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        class_embeds = self.class_embedding.expand(batch_size, 1, -1)
        embeddings = torch.cat([class_embeds, patch_embeds], dim=1)
        return embeddings + self.position_embedding(self.position_ids)


class CLIPAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_dim = c.hidden_size
        self.num_heads = c.num_attention_heads
        self.head_dim = self.embed_dim // self.num_heads
        self.scale = self.head_dim ** -0.5
        self.k_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.v_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.q_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.out_proj = nn.Linear(self.embed_dim, self.embed_dim)

    def _shape(self, t, seq_len, bsz):
        return t.view(bsz, seq_len, self.num_heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, hidden_states, causal_attention_mask=None):
        bsz, tgt_len, embed_dim = hidden_states.size()
        # transformers scales q before the product (CLIPAttention.forward)
        query_states = self.q_proj(hidden_states) * self.scale
        key_states = self._shape(self.k_proj(hidden_states), -1, bsz)
        value_states = self._shape(self.v_proj(hidden_states), -1, bsz)
        proj_shape = (bsz * self.num_heads, -1, self.head_dim)
        query_states = self._shape(query_states, tgt_len, bsz).view(*proj_shape)
        key_states = key_states.view(*proj_shape)
        value_states = value_states.view(*proj_shape)
        src_len = key_states.size(1)
        attn_weights = torch.bmm(query_states, key_states.transpose(1, 2))
        if causal_attention_mask is not None:
            attn_weights = attn_weights.view(bsz, self.num_heads, tgt_len, src_len) + causal_attention_mask
            attn_weights = attn_weights.view(bsz * self.num_heads, tgt_len, src_len)
        attn_weights = F.softmax(attn_weights, dim=-1)
        attn_output = torch.bmm(attn_weights, value_states)
        attn_output = attn_output.view(bsz, self.num_heads, tgt_len, self.head_dim).transpose(1, 2)
        attn_output = attn_output.reshape(bsz, tgt_len, embed_dim)
        return self.out_proj(attn_output)


class CLIPMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.activation_fn = ACT[c.hidden_act]()
        self.fc1 = nn.Linear(c.hidden_size, c.intermediate_size)
        self.fc2 = nn.Linear(c.intermediate_size, c.hidden_size)

    def forward(self, x):
        return self.fc2(self.activation_fn(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = CLIPAttention(c)
        self.layer_norm1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.mlp = CLIPMLP(c)
        self.layer_norm2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, hidden_states, causal_attention_mask=None):
        residual = hidden_states
        hidden_states = self.self_attn(self.layer_norm1(hidden_states), causal_attention_mask)
        hidden_states = residual + hidden_states
        residual = hidden_states
        return residual + self.mlp(self.layer_norm2(hidden_states))


class CLIPEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(c) for _ in range(c.num_hidden_layers)])

    def forward(self, inputs_embeds, causal_attention_mask=None):
        """Returns (last layer output, tuple of num_layers+1 hidden states: embeddings, then each layer)."""
        states = ()
        hidden_states = inputs_embeds
        for layer in self.layers:
            states += (hidden_states,)
            hidden_states = layer(hidden_states, causal_attention_mask)
        states += (hidden_states,)
        return hidden_states, states


def causal_mask(bsz, seq_len, dtype):
    # transformers 4.2x CLIPTextTransformer._build_causal_attention_mask (exports as Trilu, opset >= 14)
    mask = torch.empty(bsz, seq_len, seq_len, dtype=dtype)
    mask.fill_(torch.tensor(torch.finfo(dtype).min))
    mask.triu_(1)
    return mask.unsqueeze(1)


class CLIPTextTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = CLIPTextEmbeddings(c)
        self.encoder = CLIPEncoder(c)
        self.final_layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids):
        hidden_states = self.embeddings(input_ids)
        bsz, seq_len = input_ids.shape[0], input_ids.shape[1]
        mask = causal_mask(bsz, seq_len, hidden_states.dtype).to(hidden_states.device)
        last, states = self.encoder(hidden_states, mask)
        last_hidden_state = self.final_layer_norm(last)
        # eos_token_id == 2 in the SD configs selects the legacy pooling: the eos token has the highest id,
        # so argmax finds it. The int cast is the ONNX fix of transformers PR 18515.
        pooled_output = last_hidden_state[
            torch.arange(last_hidden_state.shape[0], device=last_hidden_state.device),
            input_ids.to(dtype=torch.int, device=last_hidden_state.device).argmax(dim=-1),
        ]
        return last_hidden_state, pooled_output, states


class CLIPTextModel(nn.Module):
    """transformers.CLIPTextModel; forward returns the `return_dict=False` tuple."""

    def __init__(self, config):
        super().__init__()
        self.config = cfg(config)
        self.text_model = CLIPTextTransformer(self.config)

    def forward(self, input_ids, output_hidden_states=False):
        last, pooled, states = self.text_model(input_ids)
        return (last, pooled, states) if output_hidden_states else (last, pooled)


class CLIPTextModelWithProjection(nn.Module):
    """transformers.CLIPTextModelWithProjection (SDXL text_encoder_2): (text_embeds, last_hidden_state[, hidden_states])."""

    def __init__(self, config):
        super().__init__()
        self.config = cfg(config)
        self.text_model = CLIPTextTransformer(self.config)
        self.text_projection = nn.Linear(self.config.hidden_size, self.config.projection_dim, bias=False)

    def forward(self, input_ids, output_hidden_states=False):
        last, pooled, states = self.text_model(input_ids)
        text_embeds = self.text_projection(pooled)
        return (text_embeds, last, states) if output_hidden_states else (text_embeds, last)


class CLIPVisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = CLIPVisionEmbeddings(c)
        self.pre_layrnorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)  # sic, transformers' spelling
        self.encoder = CLIPEncoder(c)
        self.post_layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, pixel_values):
        hidden_states = self.pre_layrnorm(self.embeddings(pixel_values))
        last, _ = self.encoder(hidden_states)
        pooled_output = self.post_layernorm(last[:, 0, :])
        return last, pooled_output


class CLIPVisionModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        # num_channels is omitted from the SD safety checker's vision_config; transformers defaults it to 3
        self.config = cfg({"num_channels": 3, **config})
        self.vision_model = CLIPVisionTransformer(self.config)

    def forward(self, pixel_values):
        return self.vision_model(pixel_values)
