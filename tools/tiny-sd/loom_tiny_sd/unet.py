"""Plain-torch replica of diffusers' UNet2DConditionModel (SD1.5 and SDXL flavours).

Follows `diffusers/models/unets/unet_2d_condition.py` and `unet_2d_blocks.py`: the same module tree
(conv_in, time_proj, time_embedding, add_time_proj/add_embedding for "text_time", down_blocks,
mid_block, up_blocks, conv_norm_out, conv_out), the same channel bookkeeping and the same forward,
so a real config.json builds a model with the real parameter count and state_dict keys.
"""
from types import SimpleNamespace

import torch
from torch import nn

from .layers import (Downsample2D, ResnetBlock2D, TimestepEmbedding, Timesteps, Transformer2DModel,
                     Upsample2D)

UNET_DEFAULTS = dict(
    in_channels=4, out_channels=4, flip_sin_to_cos=True, freq_shift=0, layers_per_block=2,
    downsample_padding=1, mid_block_scale_factor=1, act_fn="silu", norm_num_groups=32, norm_eps=1e-5,
    cross_attention_dim=1280, transformer_layers_per_block=1, attention_head_dim=8, num_attention_heads=None,
    use_linear_projection=False, addition_embed_type=None, addition_time_embed_dim=None,
    projection_class_embeddings_input_dim=None, center_input_sample=False,
)


def per_block(value, n):
    return list(value) if isinstance(value, (list, tuple)) else [value] * n


class DownBlock2D(nn.Module):
    def __init__(self, num_layers, in_channels, out_channels, temb_channels, add_downsample, eps, groups,
                 downsample_padding, **_):
        super().__init__()
        self.resnets = nn.ModuleList([
            ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, temb_channels, groups, eps)
            for i in range(num_layers)])
        self.downsamplers = nn.ModuleList([Downsample2D(out_channels, out_channels, downsample_padding)]) \
            if add_downsample else None

    def forward(self, hidden_states, temb, encoder_hidden_states=None):
        output_states = ()
        for resnet in self.resnets:
            hidden_states = resnet(hidden_states, temb)
            output_states += (hidden_states,)
        if self.downsamplers is not None:
            for down in self.downsamplers:
                hidden_states = down(hidden_states)
            output_states += (hidden_states,)
        return hidden_states, output_states


class CrossAttnDownBlock2D(DownBlock2D):
    def __init__(self, num_layers, in_channels, out_channels, temb_channels, add_downsample, eps, groups,
                 downsample_padding, transformer_layers, heads, cross_attention_dim, use_linear_projection):
        super().__init__(num_layers, in_channels, out_channels, temb_channels, add_downsample, eps, groups,
                         downsample_padding)
        layers = per_block(transformer_layers, num_layers)
        self.attentions = nn.ModuleList([
            Transformer2DModel(heads, out_channels // heads, out_channels, layers[i], cross_attention_dim, groups,
                               use_linear_projection)
            for i in range(num_layers)])

    def forward(self, hidden_states, temb, encoder_hidden_states=None):
        output_states = ()
        for resnet, attn in zip(self.resnets, self.attentions):
            hidden_states = resnet(hidden_states, temb)
            hidden_states = attn(hidden_states, encoder_hidden_states)
            output_states += (hidden_states,)
        if self.downsamplers is not None:
            for down in self.downsamplers:
                hidden_states = down(hidden_states)
            output_states += (hidden_states,)
        return hidden_states, output_states


class UpBlock2D(nn.Module):
    def __init__(self, num_layers, in_channels, out_channels, prev_output_channel, temb_channels, add_upsample,
                 eps, groups, **_):
        super().__init__()
        resnets = []
        for i in range(num_layers):
            res_skip_channels = in_channels if i == num_layers - 1 else out_channels
            resnet_in_channels = prev_output_channel if i == 0 else out_channels
            resnets.append(ResnetBlock2D(resnet_in_channels + res_skip_channels, out_channels, temb_channels,
                                         groups, eps))
        self.resnets = nn.ModuleList(resnets)
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels, out_channels)]) if add_upsample else None

    def _attn(self, i, hidden_states, encoder_hidden_states):
        return hidden_states

    def forward(self, hidden_states, res_hidden_states_tuple, temb, encoder_hidden_states=None, upsample_size=None):
        for i, resnet in enumerate(self.resnets):
            res_hidden_states = res_hidden_states_tuple[-1]
            res_hidden_states_tuple = res_hidden_states_tuple[:-1]
            hidden_states = torch.cat([hidden_states, res_hidden_states], dim=1)
            hidden_states = resnet(hidden_states, temb)
            hidden_states = self._attn(i, hidden_states, encoder_hidden_states)
        if self.upsamplers is not None:
            for up in self.upsamplers:
                hidden_states = up(hidden_states, upsample_size)
        return hidden_states


class CrossAttnUpBlock2D(UpBlock2D):
    def __init__(self, num_layers, in_channels, out_channels, prev_output_channel, temb_channels, add_upsample,
                 eps, groups, transformer_layers, heads, cross_attention_dim, use_linear_projection):
        super().__init__(num_layers, in_channels, out_channels, prev_output_channel, temb_channels, add_upsample,
                         eps, groups)
        layers = per_block(transformer_layers, num_layers)
        self.attentions = nn.ModuleList([
            Transformer2DModel(heads, out_channels // heads, out_channels, layers[i], cross_attention_dim, groups,
                               use_linear_projection)
            for i in range(num_layers)])

    def _attn(self, i, hidden_states, encoder_hidden_states):
        return self.attentions[i](hidden_states, encoder_hidden_states)


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, in_channels, temb_channels, eps, groups, output_scale_factor, transformer_layers, heads,
                 cross_attention_dim, use_linear_projection):
        super().__init__()
        self.resnets = nn.ModuleList([
            ResnetBlock2D(in_channels, in_channels, temb_channels, groups, eps, output_scale_factor)
            for _ in range(2)])
        self.attentions = nn.ModuleList([
            Transformer2DModel(heads, in_channels // heads, in_channels, per_block(transformer_layers, 1)[0],
                               cross_attention_dim, groups, use_linear_projection)])

    def forward(self, hidden_states, temb, encoder_hidden_states):
        hidden_states = self.resnets[0](hidden_states, temb)
        for attn, resnet in zip(self.attentions, self.resnets[1:]):
            hidden_states = resnet(attn(hidden_states, encoder_hidden_states), temb)
        return hidden_states


class UNet2DConditionModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = SimpleNamespace(**{**UNET_DEFAULTS, **config})
        self.config = c
        boc = list(c.block_out_channels)
        n = len(boc)
        # diffusers keeps the historical naming bug: attention_head_dim is the number of heads
        # when num_attention_heads is unset (unet_2d_condition.py, "num_attention_heads = ... or attention_head_dim")
        heads = per_block(c.num_attention_heads or c.attention_head_dim, n)
        layers = per_block(c.layers_per_block, n)
        tlayers = per_block(c.transformer_layers_per_block, n)
        xdim = per_block(c.cross_attention_dim, n)
        time_embed_dim = boc[0] * 4

        self.conv_in = nn.Conv2d(c.in_channels, boc[0], kernel_size=3, padding=1)
        self.time_proj = Timesteps(boc[0], c.flip_sin_to_cos, c.freq_shift)
        self.time_embedding = TimestepEmbedding(boc[0], time_embed_dim)
        if c.addition_embed_type == "text_time":
            self.add_time_proj = Timesteps(c.addition_time_embed_dim, c.flip_sin_to_cos, c.freq_shift)
            self.add_embedding = TimestepEmbedding(c.projection_class_embeddings_input_dim, time_embed_dim)

        self.down_blocks = nn.ModuleList()
        output_channel = boc[0]
        for i, block_type in enumerate(c.down_block_types):
            input_channel, output_channel = output_channel, boc[i]
            cls = CrossAttnDownBlock2D if block_type == "CrossAttnDownBlock2D" else DownBlock2D
            kw = dict(transformer_layers=tlayers[i], heads=heads[i], cross_attention_dim=xdim[i],
                      use_linear_projection=c.use_linear_projection) if cls is CrossAttnDownBlock2D else {}
            self.down_blocks.append(cls(layers[i], input_channel, output_channel, time_embed_dim, i < n - 1,
                                        c.norm_eps, c.norm_num_groups, c.downsample_padding, **kw))

        self.mid_block = UNetMidBlock2DCrossAttn(boc[-1], time_embed_dim, c.norm_eps, c.norm_num_groups,
                                                 c.mid_block_scale_factor, tlayers[-1], heads[-1], xdim[-1],
                                                 c.use_linear_projection)

        self.up_blocks = nn.ModuleList()
        rboc, rheads, rlayers = boc[::-1], heads[::-1], layers[::-1]
        rtlayers, rxdim = tlayers[::-1], xdim[::-1]
        self.num_upsamplers = 0
        output_channel = rboc[0]
        for i, block_type in enumerate(c.up_block_types):
            prev_output_channel, output_channel = output_channel, rboc[i]
            input_channel = rboc[min(i + 1, n - 1)]
            add_upsample = i < n - 1
            self.num_upsamplers += int(add_upsample)
            cls = CrossAttnUpBlock2D if block_type == "CrossAttnUpBlock2D" else UpBlock2D
            kw = dict(transformer_layers=rtlayers[i], heads=rheads[i], cross_attention_dim=rxdim[i],
                      use_linear_projection=c.use_linear_projection) if cls is CrossAttnUpBlock2D else {}
            self.up_blocks.append(cls(rlayers[i] + 1, input_channel, output_channel, prev_output_channel,
                                      time_embed_dim, add_upsample, c.norm_eps, c.norm_num_groups, **kw))

        self.conv_norm_out = nn.GroupNorm(c.norm_num_groups, boc[0], eps=c.norm_eps)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(boc[0], c.out_channels, kernel_size=3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states, added_cond_kwargs=None):
        c = self.config
        # upsample sizes are forwarded only when the latent is not a multiple of 2**num_upsamplers
        factor = 2 ** self.num_upsamplers
        forward_upsample_size = any(s % factor != 0 for s in sample.shape[-2:])
        timesteps = timestep
        if len(timesteps.shape) == 0:
            timesteps = timesteps[None]
        timesteps = timesteps.expand(sample.shape[0])
        emb = self.time_embedding(self.time_proj(timesteps).to(dtype=sample.dtype))
        if c.addition_embed_type == "text_time":
            text_embeds = added_cond_kwargs["text_embeds"]
            time_ids = added_cond_kwargs["time_ids"]
            time_embeds = self.add_time_proj(time_ids.flatten()).reshape((text_embeds.shape[0], -1))
            add_embeds = torch.concat([text_embeds, time_embeds], dim=-1).to(emb.dtype)
            emb = emb + self.add_embedding(add_embeds)
        if c.center_input_sample:
            sample = 2 * sample - 1.0
        sample = self.conv_in(sample)
        down_block_res_samples = (sample,)
        for block in self.down_blocks:
            sample, res = block(sample, emb, encoder_hidden_states)
            down_block_res_samples += res
        sample = self.mid_block(sample, emb, encoder_hidden_states)
        for i, block in enumerate(self.up_blocks):
            is_final = i == len(self.up_blocks) - 1
            res = down_block_res_samples[-len(block.resnets):]
            down_block_res_samples = down_block_res_samples[:-len(block.resnets)]
            upsample_size = down_block_res_samples[-1].shape[2:] if (not is_final and forward_upsample_size) else None
            sample = block(sample, res, emb, encoder_hidden_states, upsample_size)
        sample = self.conv_out(self.conv_act(self.conv_norm_out(sample)))
        return (sample,)
