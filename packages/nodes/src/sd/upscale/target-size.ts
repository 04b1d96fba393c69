/**
 * Target sizes and center crops as ComfyUI computes them (nodes.py ImageScale / LatentUpscale,
 * comfy/utils.py `common_upscale`): a 0 dimension keeps the aspect ratio; `center` crops the source to
 * the target aspect before scaling, `x = round((W − W·new/old) / 2)` or the same for y.
 */
export interface CropRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Width and height with 0 meaning "keep the aspect ratio"; both 0 keeps the size. */
export function targetSize(width: number, height: number, sourceWidth: number, sourceHeight: number): { width: number; height: number } {
  if (width === 0 && height === 0) return { width: sourceWidth, height: sourceHeight };
  if (width === 0) return { width: Math.max(1, Math.round((sourceWidth * height) / sourceHeight)), height };
  if (height === 0) return { width, height: Math.max(1, Math.round((sourceHeight * width) / sourceWidth)) };
  return { width, height };
}

/** The region of the source kept by `crop: center` (the whole source for `disabled`). */
export function cropRect(sourceWidth: number, sourceHeight: number, width: number, height: number, crop: 'disabled' | 'center'): CropRect {
  if (crop === 'disabled') return { left: 0, top: 0, width: sourceWidth, height: sourceHeight };
  const oldAspect = sourceWidth / sourceHeight;
  const newAspect = width / height;
  let x = 0;
  let y = 0;
  if (oldAspect > newAspect) x = Math.round((sourceWidth - sourceWidth * (newAspect / oldAspect)) / 2);
  else if (oldAspect < newAspect) y = Math.round((sourceHeight - sourceHeight * (oldAspect / newAspect)) / 2);
  return { left: x, top: y, width: sourceWidth - 2 * x, height: sourceHeight - 2 * y };
}

/** Copies a rectangle out of planar data. */
export function cropPlanes(src: Float32Array, planes: number, h: number, w: number, rect: CropRect): Float32Array {
  if (rect.left === 0 && rect.top === 0 && rect.width === w && rect.height === h) return src;
  const out = new Float32Array(planes * rect.width * rect.height);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < rect.height; y++) {
      const from = p * h * w + (rect.top + y) * w + rect.left;
      out.set(src.subarray(from, from + rect.width), (p * rect.height + y) * rect.width);
    }
  }
  return out;
}
