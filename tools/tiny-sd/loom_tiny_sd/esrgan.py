"""Replica of the ESRGAN / Real-ESRGAN generator RRDBNet (BasicSR `basicsr/archs/rrdbnet_arch.py`
naming: conv_first, body.N.rdb1.conv1, conv_body, conv_up1, conv_up2, conv_hr, conv_last), the
architecture of `RealESRGAN_x4plus.pth` that ComfyUI loads from `models/upscale_models/`.
"""
import torch
from torch import nn
import torch.nn.functional as F

# RealESRGAN_x4plus: RRDBNet(num_in_ch=3, num_out_ch=3, num_feat=64, num_block=23, num_grow_ch=32, scale=4)
REAL_X4PLUS = dict(num_in_ch=3, num_out_ch=3, num_feat=64, num_block=23, num_grow_ch=32)


class ResidualDenseBlock(nn.Module):
    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=False)

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x  # residual scaling 0.2 (ESRGAN paper, arXiv 1809.00219 §3.1)


class RRDB(nn.Module):
    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """4x RRDBNet: image [B,3,H,W] in 0..1 -> [B,3,4H,4W] (not clamped, as in BasicSR)."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_block=23, num_grow_ch=32):
        super().__init__()
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=False)

    def forward(self, x):
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


@torch.no_grad()
def init_near_identity(model, noise=0.02):
    """Random small weights plus an identity path, so the output is ~ the nearest-neighbour 4x upscale.

    Centre taps of conv_first/conv_up*/conv_hr/conv_last pass channels 0..2 through; lrelu is the
    identity on non-negative pixels. Everything else is N(0, noise^2), so the output differs from the
    plain upscale by a small, deterministic amount.
    """
    for p in model.parameters():
        p.normal_(0.0, noise)
    for conv in (model.conv_first, model.conv_up1, model.conv_up2, model.conv_hr, model.conv_last):
        for ch in range(3):
            conv.weight[ch, ch, 1, 1] += 1.0
