// Power-law fit y ≈ c·x^p by least squares on (log x, log y):
//   p = Σ (lx − mx)(ly − my) / Σ (lx − mx)²,   log c = my − p·mx
export interface PowerLaw {
  exponent: number;
  coefficient: number;
  /** coefficient of determination of the log-log fit */
  r2: number;
}

export function fitPowerLaw(points: readonly (readonly [number, number])[]): PowerLaw | null {
  const pts = points.filter(([x, y]) => x > 0 && y > 0);
  const xs = new Set(pts.map(([x]) => x));
  if (xs.size < 2) return null;
  const lx = pts.map(([x]) => Math.log(x)), ly = pts.map(([, y]) => Math.log(y));
  const mx = lx.reduce((a, b) => a + b, 0) / pts.length, my = ly.reduce((a, b) => a + b, 0) / pts.length;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < pts.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
    syy += (ly[i] - my) ** 2;
  }
  const p = sxy / sxx;
  return { exponent: p, coefficient: Math.exp(my - p * mx), r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}
