// Input conversion: gathers a batch of u8 images (example-major, as datasets store them) into a
// feature-major f32 tensor, scaling each channel affinely: x = v · scale[c] + shift[c] (v/255 for
// [0,1] pixels, (v/255 − mean)/std with normalization). Four examples are converted together and
// transposed in registers, so each store writes four batch columns of one feature at once.

/**
 * dst[f, n] = images[indices[n]·F + f] · scale[c] + shift[c] for n < count, with c = f / plane;
 * dst has N ≥ count columns. plane must divide F.
 */
export function gather_images(images: usize, indices: usize, count: i32, F: i32, plane: i32,
                              scale: usize, shift: usize, dst: usize, N: i32): void {
  const ld = <usize>N << 2;
  const C = F / plane;
  let n = 0;
  for (; n + 4 <= count; n += 4) {
    const i0 = images + <usize>load<u32>(indices + (<usize>n << 2)) * <usize>F;
    const i1 = images + <usize>load<u32>(indices + (<usize>n << 2), 4) * <usize>F;
    const i2 = images + <usize>load<u32>(indices + (<usize>n << 2), 8) * <usize>F;
    const i3 = images + <usize>load<u32>(indices + (<usize>n << 2), 12) * <usize>F;
    const out = dst + (<usize>n << 2);
    for (let c = 0; c < C; c++) {
      const sc = v128.load32_splat(scale + (<usize>c << 2)), sh = v128.load32_splat(shift + (<usize>c << 2));
      const f0 = c * plane, f1 = f0 + plane;
      let f = f0;
      for (; f + 4 <= f1; f += 4) {
        // four features of each example, as f32
        const a = f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(i0 + <usize>f)))), sc), sh);
        const b = f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(i1 + <usize>f)))), sc), sh);
        const d = f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(i2 + <usize>f)))), sc), sh);
        const e = f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(i3 + <usize>f)))), sc), sh);
        // transpose: row j = feature f + j across the four examples
        const t0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), t1 = v128.shuffle<f32>(d, e, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(a, b, 2, 6, 3, 7), t3 = v128.shuffle<f32>(d, e, 2, 6, 3, 7);
        const row = out + <usize>f * ld;
        v128.store(row, v128.shuffle<f64>(t0, t1, 0, 2));
        v128.store(row + ld, v128.shuffle<f64>(t0, t1, 1, 3));
        v128.store(row + 2 * ld, v128.shuffle<f64>(t2, t3, 0, 2));
        v128.store(row + 3 * ld, v128.shuffle<f64>(t2, t3, 1, 3));
      }
      const s = f32x4.extract_lane(sc, 0), h = f32x4.extract_lane(sh, 0);
      for (; f < f1; f++) {
        const row = out + <usize>f * ld;
        store<f32>(row, <f32>load<u8>(i0 + <usize>f) * s + h);
        store<f32>(row, <f32>load<u8>(i1 + <usize>f) * s + h, 4);
        store<f32>(row, <f32>load<u8>(i2 + <usize>f) * s + h, 8);
        store<f32>(row, <f32>load<u8>(i3 + <usize>f) * s + h, 12);
      }
    }
  }
  for (; n < count; n++) {
    const img = images + <usize>load<u32>(indices + (<usize>n << 2)) * <usize>F;
    for (let f = 0; f < F; f++) {
      const c = f / plane;
      store<f32>(dst + <usize>f * ld + (<usize>n << 2), <f32>load<u8>(img + <usize>f) * load<f32>(scale + (<usize>c << 2)) + load<f32>(shift + (<usize>c << 2)));
    }
  }
}
