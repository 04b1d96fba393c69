"""Plain-torch replica of diffusers' AutoencoderKL (encoder, decoder, quant_conv, post_quant_conv).

Follows `diffusers/models/autoencoders/vae.py` (Encoder, Decoder, DiagonalGaussianDistribution),
`autoencoder_kl.py` and `unet_2d_blocks.py` (DownEncoderBlock2D, UpDecoderBlock2D, UNetMidBlock2D
with the single-head, group-normed, residual attention the VAE uses).
"""
from types import SimpleNamespace

import torch
from torch import nn

from .layers import Attention, Downsample2D, ResnetBlock2D, Upsample2D

VAE_DEFAULTS = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, act_fn="silu",
                    norm_num_groups=32, scaling_factor=0.18215)


class UNetMidBlock2D(nn.Module):
    def __init__(self, in_channels, groups):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(in_channels, in_channels, None, groups, 1e-6) for _ in range(2)])
        # attention_head_dim = in_channels, so one head over all channels (vae.py Encoder/Decoder)
        self.attentions = nn.ModuleList([Attention(in_channels, heads=1, dim_head=in_channels, bias=True,
                                                   upcast_softmax=True, norm_num_groups=groups, eps=1e-6,
                                                   residual_connection=True)])

    def forward(self, hidden_states):
        hidden_states = self.resnets[0](hidden_states)
        for attn, resnet in zip(self.attentions, self.resnets[1:]):
            hidden_states = resnet(attn(hidden_states))
        return hidden_states


class DownEncoderBlock2D(nn.Module):
    def __init__(self, num_layers, in_channels, out_channels, add_downsample, groups):
        super().__init__()
        self.resnets = nn.ModuleList([
            ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, None, groups, 1e-6)
            for i in range(num_layers)])
        self.downsamplers = nn.ModuleList([Downsample2D(out_channels, out_channels, 0)]) if add_downsample else None

    def forward(self, x):
        for resnet in self.resnets:
            x = resnet(x)
        if self.downsamplers is not None:
            for down in self.downsamplers:
                x = down(x)
        return x


class UpDecoderBlock2D(nn.Module):
    def __init__(self, num_layers, in_channels, out_channels, add_upsample, groups):
        super().__init__()
        self.resnets = nn.ModuleList([
            ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, None, groups, 1e-6)
            for i in range(num_layers)])
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels, out_channels)]) if add_upsample else None

    def forward(self, x):
        for resnet in self.resnets:
            x = resnet(x)
        if self.upsamplers is not None:
            for up in self.upsamplers:
                x = up(x)
        return x


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        boc = list(c.block_out_channels)
        self.conv_in = nn.Conv2d(c.in_channels, boc[0], kernel_size=3, stride=1, padding=1)
        self.down_blocks = nn.ModuleList()
        output_channel = boc[0]
        for i in range(len(c.down_block_types)):
            input_channel, output_channel = output_channel, boc[i]
            self.down_blocks.append(DownEncoderBlock2D(c.layers_per_block, input_channel, output_channel,
                                                       i < len(boc) - 1, c.norm_num_groups))
        self.mid_block = UNetMidBlock2D(boc[-1], c.norm_num_groups)
        self.conv_norm_out = nn.GroupNorm(c.norm_num_groups, boc[-1], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(boc[-1], 2 * c.latent_channels, 3, padding=1)  # double_z

    def forward(self, x):
        x = self.conv_in(x)
        for block in self.down_blocks:
            x = block(x)
        x = self.mid_block(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        boc = list(c.block_out_channels)
        self.conv_in = nn.Conv2d(c.latent_channels, boc[-1], kernel_size=3, stride=1, padding=1)
        self.mid_block = UNetMidBlock2D(boc[-1], c.norm_num_groups)
        self.up_blocks = nn.ModuleList()
        rboc = boc[::-1]
        output_channel = rboc[0]
        for i in range(len(c.up_block_types)):
            prev_output_channel, output_channel = output_channel, rboc[i]
            self.up_blocks.append(UpDecoderBlock2D(c.layers_per_block + 1, prev_output_channel, output_channel,
                                                   i < len(boc) - 1, c.norm_num_groups))
        self.conv_norm_out = nn.GroupNorm(c.norm_num_groups, boc[0], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(boc[0], c.out_channels, 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(z))
        for block in self.up_blocks:
            x = block(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class DiagonalGaussianDistribution:
    def __init__(self, parameters):
        self.parameters = parameters
        self.mean, self.logvar = torch.chunk(parameters, 2, dim=1)
        self.logvar = torch.clamp(self.logvar, -30.0, 20.0)
        self.std = torch.exp(0.5 * self.logvar)

    def sample(self):
        # diffusers randn_tensor(self.mean.shape, ...) -> exported as a RandomNormal(Like) node
        return self.mean + self.std * torch.randn(self.mean.shape, dtype=self.mean.dtype)


class AutoencoderKL(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = SimpleNamespace(**{**VAE_DEFAULTS, **config})
        self.config = c
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)
        self.quant_conv = nn.Conv2d(2 * c.latent_channels, 2 * c.latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(c.latent_channels, c.latent_channels, 1)

    def encode(self, x):
        return DiagonalGaussianDistribution(self.quant_conv(self.encoder(x)))

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))

    def forward(self, sample):
        return self.decode(self.encode(sample).mean)
