/** Chunked framing (the fix for y-webrtc issue #20): split/reassemble, interleaving, caps, malformed frames. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FRAME_BYTES,
  DEFAULT_FRAMING,
  encodeFrames,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  maxFrameCount,
  payloadBytes,
  Reassembler,
  type FrameResult,
  type FramingLimits,
} from '../../src/net/framing.js';

/** Deterministic xorshift32. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function randomBytes(n: number, r: (n: number) => number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r(256);
  return b;
}

function shuffle<T>(a: T[], r: (n: number) => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = r(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function header(id: number, index: number, count: number, payload: number | Uint8Array, magic = FRAME_MAGIC): Uint8Array {
  const p = typeof payload === 'number' ? new Uint8Array(payload).fill(7) : payload;
  const f = new Uint8Array(FRAME_HEADER_BYTES + p.length);
  const dv = new DataView(f.buffer);
  f[0] = magic;
  dv.setUint32(1, id);
  dv.setUint32(5, index);
  dv.setUint32(9, count);
  f.set(p, FRAME_HEADER_BYTES);
  return f;
}

function feed(r: Reassembler, frames: Uint8Array[]): FrameResult[] {
  return frames.map((f) => r.push(f));
}

const PER = payloadBytes();

describe('framing: split and reassemble', () => {
  it('frames are at most 16 KiB and carry the header', () => {
    const msg = randomBytes(3 * PER + 5, rng(1));
    const frames = encodeFrames(msg, 42);
    expect(frames).toHaveLength(4);
    for (const f of frames) {
      expect(f.length).toBeLessThanOrEqual(DEFAULT_FRAME_BYTES);
      expect(f[0]).toBe(FRAME_MAGIC);
    }
    expect(frames[3]!.length).toBe(FRAME_HEADER_BYTES + 5);
  });

  it.each([0, 1, PER - 1, PER, PER + 1, 2 * PER, 256 * 1024, 256 * 1024 + 1])('round-trips a message of %i bytes in order', (n) => {
    const msg = randomBytes(n, rng(n + 1));
    const r = new Reassembler();
    const out = feed(r, encodeFrames(msg, n));
    expect(out.slice(0, -1).every((o) => o.kind === 'partial')).toBe(true);
    const last = out.at(-1)!;
    expect(last.kind).toBe('message');
    expect(last.kind === 'message' && Buffer.from(last.data).equals(Buffer.from(msg))).toBe(true);
    expect(r.partialMessages).toBe(0);
    expect(r.bufferedBytes).toBe(0);
  });

  it('round-trips random sizes up to 6 MB, frames shuffled', () => {
    const r0 = rng(2024);
    const r = new Reassembler();
    for (let k = 0; k < 12; k++) {
      const n = k < 3 ? 6_000_000 - k : r0(6_000_000);
      const msg = randomBytes(n, r0);
      const frames = shuffle(encodeFrames(msg, 1000 + k), r0);
      let got: Uint8Array | null = null;
      for (const f of frames) {
        const o = r.push(f);
        expect(o.kind).not.toBe('error');
        if (o.kind === 'message') got = o.data;
      }
      expect(got).not.toBeNull();
      expect(Buffer.from(got!).equals(Buffer.from(msg))).toBe(true);
    }
    expect(r.bufferedBytes).toBe(0);
  });

  it('reassembles interleaved messages (frames of several messages mixed, each in any order)', () => {
    const r0 = rng(7);
    const msgs = [randomBytes(300_000, r0), randomBytes(5, r0), randomBytes(2 * PER, r0), randomBytes(90_000, r0)];
    const tagged = msgs.flatMap((m, i) => encodeFrames(m, 0xfffffff0 + i).map((f) => ({ i, f })));
    shuffle(tagged, r0);
    const r = new Reassembler();
    const done = new Map<number, Uint8Array>();
    for (const { i, f } of tagged) {
      const o = r.push(f);
      expect(o.kind).not.toBe('error');
      if (o.kind === 'message') done.set(i, o.data);
    }
    expect(done.size).toBe(msgs.length);
    msgs.forEach((m, i) => expect(Buffer.from(done.get(i)!).equals(Buffer.from(m))).toBe(true));
  });

  it('message ids wrap around and may be reused after completion', () => {
    const r = new Reassembler();
    for (let k = 0; k < 3; k++) {
      const out = feed(r, encodeFrames(new Uint8Array(PER * 2).fill(k), 2 ** 32 + 5));
      expect(out.at(-1)!.kind).toBe('message');
    }
  });

  it('a delivered message is a copy, not a view into the frame', () => {
    const f = encodeFrames(Uint8Array.of(1, 2, 3), 1)[0]!;
    const o = new Reassembler().push(f);
    expect(o.kind === 'message' && o.data.buffer !== f.buffer && o.data.byteLength === o.data.buffer.byteLength).toBe(true);
  });
});

describe('framing: caps', () => {
  const small: FramingLimits = { frameBytes: 1024, maxMessageBytes: 10_000, maxPartialMessages: 2 };

  it('the sender refuses a message over the cap', () => {
    expect(() => encodeFrames(new Uint8Array(10_001), 1, small)).toThrow(RangeError);
    expect(encodeFrames(new Uint8Array(10_000), 1, small)).toHaveLength(Math.ceil(10_000 / (1024 - FRAME_HEADER_BYTES)));
  });

  it('the receiver refuses a frame count beyond the cap', () => {
    const r = new Reassembler(small);
    const o = r.push(header(1, 0, maxFrameCount(small) + 1, 1024 - FRAME_HEADER_BYTES));
    expect(o).toMatchObject({ kind: 'error', reason: 'bad-count' });
    expect(maxFrameCount(DEFAULT_FRAMING)).toBe(Math.ceil((128 * 1024 * 1024) / PER));
  });

  it('the receiver refuses more half-sent messages than allowed', () => {
    const r = new Reassembler(small);
    const per = 1024 - FRAME_HEADER_BYTES;
    expect(r.push(header(1, 0, 3, per)).kind).toBe('partial');
    expect(r.push(header(2, 0, 3, per)).kind).toBe('partial');
    expect(r.push(header(3, 0, 3, per))).toMatchObject({ kind: 'error', reason: 'too-many-partials' });
    expect(r.partialMessages).toBe(0); // reset after an error
  });

  it('the receiver caps the bytes buffered for one peer across half-sent messages', () => {
    const lim: FramingLimits = { frameBytes: 1024, maxMessageBytes: 5000, maxPartialMessages: 8 };
    const per = 1024 - FRAME_HEADER_BYTES;
    const r = new Reassembler(lim);
    const results: FrameResult[] = [];
    for (let id = 0; id < 8; id++) results.push(r.push(header(id, 0, 4, per)));
    expect(results.slice(0, 4).every((o) => o.kind === 'partial')).toBe(true);
    expect(results[4]).toMatchObject({ kind: 'error', reason: 'too-large' });
  });
});

describe('framing: malformed frames', () => {
  const cases: [string, Uint8Array, string][] = [
    ['empty', new Uint8Array(0), 'short-frame'],
    ['shorter than the header', new Uint8Array(FRAME_HEADER_BYTES - 1).fill(FRAME_MAGIC), 'short-frame'],
    ['wrong magic', header(1, 0, 1, 3, 0x00), 'bad-magic'],
    ['count 0', header(1, 0, 0, 3), 'bad-count'],
    ['count 2^32−1', header(1, 0, 0xffffffff, PER), 'bad-count'],
    ['index = count', header(1, 2, 2, 3), 'bad-index'],
    ['short non-final frame', header(1, 0, 2, PER - 1), 'bad-length'],
    ['long non-final frame', header(1, 0, 2, PER + 1), 'bad-length'],
    ['empty last frame of several', header(1, 1, 2, 0), 'bad-length'],
    ['oversized single frame', header(1, 0, 1, PER + 1), 'bad-length'],
  ];
  it.each(cases)('%s → %s', (_name, frame, reason) => {
    expect(new Reassembler().push(frame)).toMatchObject({ kind: 'error', reason });
  });

  it('a duplicate frame is refused', () => {
    const r = new Reassembler();
    const frames = encodeFrames(new Uint8Array(3 * PER), 9);
    expect(r.push(frames[0]!).kind).toBe('partial');
    expect(r.push(frames[0]!)).toMatchObject({ kind: 'error', reason: 'duplicate-frame' });
  });

  it('a message id announced with two frame counts is refused', () => {
    const r = new Reassembler();
    expect(r.push(header(5, 0, 3, PER)).kind).toBe('partial');
    expect(r.push(header(5, 1, 4, PER))).toMatchObject({ kind: 'error', reason: 'count-mismatch' });
    expect(r.push(header(6, 0, 3, PER)).kind).toBe('partial');
    expect(r.push(header(6, 0, 1, 1))).toMatchObject({ kind: 'error', reason: 'count-mismatch' });
  });

  it('random garbage never throws and never yields a message bigger than a frame', () => {
    const r0 = rng(99);
    const r = new Reassembler({ frameBytes: 128, maxMessageBytes: 4096, maxPartialMessages: 3 });
    for (let k = 0; k < 20_000; k++) {
      const f = randomBytes(r0(200), r0);
      if (f.length > 0 && r0(2) === 0) f[0] = FRAME_MAGIC;
      if (f.length >= FRAME_HEADER_BYTES && r0(2) === 0) new DataView(f.buffer).setUint32(9, 1 + r0(4));
      if (f.length >= FRAME_HEADER_BYTES && r0(2) === 0) new DataView(f.buffer).setUint32(5, r0(4));
      const o = r.push(f);
      if (o.kind === 'message') expect(o.data.length).toBeLessThanOrEqual(4096);
      expect(r.bufferedBytes).toBeLessThanOrEqual(4096);
    }
  });
});
