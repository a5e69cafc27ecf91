import { describe, expect, test } from 'vitest';
import { QUIET_ZONE, matrixSvg, qrDataUrl, qrMatrix } from '../../src/ui/components/qr.js';
import { decodeImageData } from '../../src/ui/components/qr-decode.js';
import { cameraProblem, frameSize } from '../../src/ui/components/qr-scanner.svelte.js';

/** Paints a module matrix as RGBA pixels, `scale` pixels per module. */
function paint(m: boolean[][], scale: number, invert = false) {
  const n = m.length * scale;
  const data = new Uint8ClampedArray(n * n * 4);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const dark = m[Math.floor(y / scale)]![Math.floor(x / scale)]! !== invert;
      const i = (y * n + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = dark ? 0 : 255;
      data[i + 3] = 255;
    }
  }
  return { data, width: n, height: n };
}

const TEXTS = [
  'https://ledger.example/#join&book=3f2a9c&secret=Zk3-q_9xYb2&signal=wss%3A%2F%2Fsignal.example%2Fsignal',
  'http://192.168.1.20:8080/#join&book=00ff&secret=abc',
  '张三的储蓄小组 · Ñandú · 🌾',
  'x',
];

describe('QR code', () => {
  test.each(TEXTS)('encodes and decodes back: %s', (text) => {
    const m = qrMatrix(text);
    expect(m.length).toBe(m[0]!.length);
    // Quiet zone: the outer 4 modules on every side are light.
    for (let i = 0; i < m.length; i++) {
      for (let q = 0; q < QUIET_ZONE; q++) {
        expect(m[q]![i] || m[m.length - 1 - q]![i] || m[i]![q] || m[i]![m.length - 1 - q]).toBe(false);
      }
    }
    expect(decodeImageData(paint(m, 4))).toBe(text);
  });

  test('SVG: one white square and runs of dark modules, as a data: URL', () => {
    const svg = matrixSvg([
      [false, true, true],
      [true, false, true],
      [false, false, false],
    ]);
    expect(svg).toContain('viewBox="0 0 3 3"');
    expect(svg).toContain('d="M1 0h2v1h-2zM0 1h1v1h-1zM2 1h1v1h-1z"');
    const { src, modules } = qrDataUrl('hello');
    expect(src.startsWith('data:image/svg+xml,%3Csvg')).toBe(true);
    expect(modules).toBe(21 + 2 * QUIET_ZONE);
  });

  test('too much text is an error, not a broken image', () => {
    expect(() => qrMatrix('x'.repeat(5000))).toThrow();
  });

  test('decoder: nothing in a blank image, inverted codes are read too', () => {
    const blank = { data: new Uint8ClampedArray(100 * 100 * 4).fill(255), width: 100, height: 100 };
    expect(decodeImageData(blank)).toBeNull();
    expect(decodeImageData(paint(qrMatrix('inverted'), 4, true))).toBe('inverted');
  });
});

describe('scanner helpers', () => {
  test('camera errors become a status the member can act on', () => {
    const err = (name: string) => Object.assign(new Error('x'), { name });
    expect(cameraProblem(err('NotAllowedError'))).toBe('denied');
    expect(cameraProblem(err('SecurityError'))).toBe('denied');
    expect(cameraProblem(err('NotFoundError'))).toBe('nocamera');
    expect(cameraProblem(err('OverconstrainedError'))).toBe('nocamera');
    expect(cameraProblem(err('NotReadableError'))).toBe('busy');
    expect(cameraProblem(err('AbortError'))).toBe('busy');
    expect(cameraProblem(new Error('odd'))).toBe('error');
    expect(cameraProblem('text')).toBe('error');
  });

  test('frames are scaled down to at most 640 px on the long side, never up', () => {
    expect(frameSize(1920, 1080)).toEqual({ width: 640, height: 360 });
    expect(frameSize(720, 1280)).toEqual({ width: 360, height: 640 });
    expect(frameSize(320, 240)).toEqual({ width: 320, height: 240 });
    expect(frameSize(0, 0)).toEqual({ width: 0, height: 0 });
  });
});
