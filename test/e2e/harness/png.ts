/**
 * A minimal PNG decoder for test screenshots (8-bit RGB/RGBA/grey, not interlaced) → RGBA pixels,
 * so jsQR can read them in Node. Not a general PNG library.
 */
import { inflateSync } from 'node:zlib';

export const PNG = {
  decode(buf: Buffer): { width: number; height: number; data: Uint8ClampedArray } {
    if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
    let pos = 8;
    let width = 0;
    let height = 0;
    let channels = 0;
    const idat: Buffer[] = [];
    while (pos < buf.length) {
      const len = buf.readUInt32BE(pos);
      const type = buf.toString('latin1', pos + 4, pos + 8);
      const body = buf.subarray(pos + 8, pos + 8 + len);
      if (type === 'IHDR') {
        width = body.readUInt32BE(0);
        height = body.readUInt32BE(4);
        const depth = body[8];
        const color = body[9];
        if (depth !== 8 || body[12] !== 0) throw new Error('only 8-bit, non-interlaced PNGs');
        channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[color!] ?? 0;
        if (channels === 0) throw new Error(`PNG colour type ${color} not supported`);
      } else if (type === 'IDAT') idat.push(body);
      else if (type === 'IEND') break;
      pos += 12 + len;
    }
    const raw = inflateSync(Buffer.concat(idat));
    const stride = width * channels;
    const cur = new Uint8Array(stride);
    let prev = new Uint8Array(stride);
    const out = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++) {
      const f = raw[y * (stride + 1)]!;
      const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
      for (let i = 0; i < stride; i++) {
        const a = i >= channels ? cur[i - channels]! : 0;
        const b = prev[i]!;
        const c = i >= channels ? prev[i - channels]! : 0;
        let v = line[i]!;
        if (f === 1) v += a;
        else if (f === 2) v += b;
        else if (f === 3) v += (a + b) >> 1;
        else if (f === 4) {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        cur[i] = v & 0xff;
      }
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 4;
        const s = x * channels;
        if (channels <= 2) {
          out[o] = out[o + 1] = out[o + 2] = cur[s]!;
          out[o + 3] = channels === 2 ? cur[s + 1]! : 255;
        } else {
          out[o] = cur[s]!;
          out[o + 1] = cur[s + 1]!;
          out[o + 2] = cur[s + 2]!;
          out[o + 3] = channels === 4 ? cur[s + 3]! : 255;
        }
      }
      prev = Uint8Array.from(cur);
    }
    return { width, height, data: out };
  },
};
