/** The terminal QR code decodes (jsQR) to the address it was made for, in both renderings. */
import jsQR from 'jsqr';
import { expect, test } from 'vitest';
import { terminalQr } from '../../src/server/terminal-qr.js';

/** Back from half blocks to pixels (4 px per module), then jsQR. */
function decode(lines: string[], ansi: boolean): string | null {
  const esc = String.fromCharCode(27);
  const rows = lines.map((l) => [...l.split(`${esc}[30;47m`).join('').split(`${esc}[0m`).join('')]);
  const w = rows[0]!.length;
  const modules: boolean[][] = [];
  for (const r of rows) {
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const c of r) {
      // In the plain rendering the blocks are the light modules.
      const ink = { '█': [true, true], '▀': [true, false], '▄': [false, true], ' ': [false, false] }[c]!;
      top.push(ansi ? ink[0]! : !ink[0]!);
      bottom.push(ansi ? ink[1]! : !ink[1]!);
    }
    modules.push(top, bottom);
  }
  const pad = 4;
  const scale = 4;
  const size = (w + 2 * pad) * scale;
  const hgt = (modules.length + 2 * pad) * scale;
  const px = new Uint8ClampedArray(size * hgt * 4).fill(255);
  modules.forEach((row, y) =>
    row.forEach((d, x) => {
      if (!d) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + pad) * scale + dy) * size + (x + pad) * scale + dx) * 4;
          px[i] = px[i + 1] = px[i + 2] = 0;
        }
    }),
  );
  return jsQR(px, size, hgt)?.data ?? null;
}

test.each([true, false])('the QR code (ansi %s) decodes to the LAN address', (ansi) => {
  const url = 'http://192.168.1.23:8080/';
  const lines = terminalQr(url, ansi);
  expect(lines.length).toBeGreaterThan(10);
  expect(decode(lines, ansi)).toBe(url);
});
