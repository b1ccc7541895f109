// BlurHash (blurha.sh, the algorithm Mastodon sends as `blurhash`): the image as a few cosine
// components, quantised and written in base 83. Computed over a thumbnail's pixels (RGBA, 8 bits),
// 4 × 3 components like Mastodon's.
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

function base83(value: number, length: number): string {
  let out = "";
  for (let i = 1; i <= length; i++) out += DIGITS[Math.floor(value / 83 ** (length - i)) % 83];
  return out;
}

const toLinear = (v: number) => {
  const x = v / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
};

const toSrgb = (v: number) => {
  const x = Math.max(0, Math.min(1, v));
  return Math.trunc(x <= 0.0031308 ? x * 12.92 * 255 + 0.5 : (1.055 * x ** (1 / 2.4) - 0.055) * 255 + 0.5);
};

const signedRoot = (v: number) => Math.sign(v) * Math.sqrt(Math.abs(v));

export function blurhash(rgba: Uint8Array, width: number, height: number, xComponents = 4, yComponents = 3): string {
  const linear = new Float64Array(width * height * 3);
  for (let p = 0, q = 0; p < width * height; p++, q += 4) {
    linear[p * 3] = toLinear(rgba[q]!);
    linear[p * 3 + 1] = toLinear(rgba[q + 1]!);
    linear[p * 3 + 2] = toLinear(rgba[q + 2]!);
  }
  const factors: [number, number, number][] = [];
  for (let j = 0; j < yComponents; j++) {
    for (let i = 0; i < xComponents; i++) {
      const normalisation = i === 0 && j === 0 ? 1 : 2;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = 0; y < height; y++) {
        const cy = Math.cos((Math.PI * j * y) / height);
        for (let x = 0; x < width; x++) {
          const basis = normalisation * Math.cos((Math.PI * i * x) / width) * cy;
          const p = (y * width + x) * 3;
          r += basis * linear[p]!;
          g += basis * linear[p + 1]!;
          b += basis * linear[p + 2]!;
        }
      }
      const scale = 1 / (width * height);
      factors.push([r * scale, g * scale, b * scale]);
    }
  }
  const [dc, ...ac] = factors;
  let hash = base83(xComponents - 1 + (yComponents - 1) * 9, 1);
  let maximum = 1;
  if (ac.length > 0) {
    const actual = Math.max(...ac.flatMap((f) => f.map(Math.abs)));
    const quantised = Math.max(0, Math.min(82, Math.floor(actual * 166 - 0.5)));
    maximum = (quantised + 1) / 166;
    hash += base83(quantised, 1);
  } else {
    hash += base83(0, 1);
  }
  hash += base83((toSrgb(dc![0]) << 16) + (toSrgb(dc![1]) << 8) + toSrgb(dc![2]), 4);
  const quantise = (v: number) => Math.max(0, Math.min(18, Math.floor(signedRoot(v / maximum) * 9 + 9.5)));
  for (const [r, g, b] of ac) hash += base83(quantise(r) * 19 * 19 + quantise(g) * 19 + quantise(b), 2);
  return hash;
}
