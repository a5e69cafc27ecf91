/**
 * QR codes as SVG images (pure; loaded lazily by QrCode.svelte, so uqr stays out of the first
 * screen's JavaScript). Error correction M (15 %: survives a smudged or creased print-out), a
 * 4-module quiet zone as the standard asks, one path of black runs on white: crisp at any size.
 */
import { encode } from 'uqr';

/** Quiet zone, in modules (ISO/IEC 18004 asks for 4). */
export const QUIET_ZONE = 4;

/** The modules of `text`'s QR code (true = dark), quiet zone included. Throws when too long. */
export function qrMatrix(text: string): boolean[][] {
  return encode(text, { ecc: 'M', border: QUIET_ZONE }).data;
}

/** SVG markup of a module matrix: a white square and one path of dark runs, 1 unit per module. */
export function matrixSvg(m: readonly (readonly boolean[])[]): string {
  const n = m.length;
  let d = '';
  m.forEach((row, y) => {
    for (let x = 0; x < row.length; ) {
      if (!row[x]) {
        x++;
        continue;
      }
      let end = x + 1;
      while (end < row.length && row[end]) end++;
      d += `M${x} ${y}h${end - x}v1h${x - end}z`;
      x = end;
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges"><rect width="${n}" height="${n}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}

/** An `<img src>` for `text`'s QR code (a data: URL, which the CSP's img-src allows). */
export function qrDataUrl(text: string): { src: string; modules: number } {
  const m = qrMatrix(text);
  return { src: `data:image/svg+xml,${encodeURIComponent(matrixSvg(m))}`, modules: m.length };
}
