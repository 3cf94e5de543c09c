// Scalar math helpers used inside generated CPU kernels.

/** erf for float32 outputs: the rational minimax approximation of Eigen / XLA
 *  (`generic_fast_erf_float`), erf(x) ≈ x·P(x²)/Q(x²) on x clamped to [−4, 4]; |error| < 1e-7
 *  (below float32 resolution), no exp, NaN in → NaN out. */
export function erf32(x: number): number {
  const c = x < -4 ? -4 : x > 4 ? 4 : x;
  const x2 = c * c;
  let p = x2 * -2.72614225801306e-10 + 2.77068142495902e-8;
  p = p * x2 - 2.10102402082508e-6;
  p = p * x2 - 5.69250639462346e-5;
  p = p * x2 - 7.34990630326855e-4;
  p = p * x2 - 2.95459980854025e-3;
  p = p * x2 - 1.60960333262415e-2;
  let q = x2 * -1.45660718464996e-5 - 2.13374055278905e-4;
  q = q * x2 - 1.68282697438203e-3;
  q = q * x2 - 7.37332916720468e-3;
  q = q * x2 - 1.42647390514189e-2;
  return (c * p) / q;
}

// 2^k for k in [−POW2_BIAS, POW2_BIAS): exp32's scale factor by table lookup.
const POW2_BIAS = 1100;
const POW2 = new Float64Array(2 * POW2_BIAS);
for (let k = -POW2_BIAS; k < POW2_BIAS; k++) POW2[k + POW2_BIAS] = 2 ** k;

/** e^x for float32 outputs, ~2.5× faster than Math.exp: x = k·ln2 + r (k = round(x·log₂e),
 *  |r| ≤ ln2/2), e^r by its degree-7 Taylor polynomial (relative error < 6e-9), times 2^k from a
 *  table. Below −104 the result is 0 (e^−104 rounds to 0 in float32); above 89 x is clamped to 89
 *  (e^89 already rounds to +∞ in float32, but the double returned here is finite); NaN stays NaN. */
export function exp32(x: number): number {
  if (x < -104) return 0;
  const v = x > 89 ? 89 : x;
  const kb = (v * 1.4426950408889634 + (POW2_BIAS + 0.5)) | 0; // k + bias, positive
  const r = v - (kb - POW2_BIAS) * 0.6931471805599453;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  return p * POW2[kb];
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** erf to ~1e-15 for float64 (gradient checks need it):
 *  |x| < 3:  erf(x) = 2/√π · e^{-x²} · Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1))   (all terms positive)
 *  |x| ≥ 3:  erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))  (continued fraction) */
export function erf64(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  const s = x < 0 ? -1 : 1;
  if (ax < 3) {
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return s * TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (ax > 6) return s;
  // evaluate the continued fraction bottom-up with 60 levels (converges fast for x ≥ 3)
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / (1.7724538509055159 * f);
  return s * (1 - erfc);
}

/** Round half to even (NumPy / torch `round`). */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
