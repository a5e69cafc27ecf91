/**
 * The entry format v1 (DESIGN section 3): a valid signed entry parses; type errors are `encoding`;
 * the 8192-byte cap is `too-large` (checked before decoding); then the book, chain, links and kind
 * rules that need no other entry.
 */
import { describe, expect, it } from 'vitest';
import {
  Book,
  MAX_LINKS,
  MAX_SIGNED_ENTRY_BYTES,
  checkEntryRules,
  decodeEntry,
  encodeCbor,
  encodeEntry,
  encodeSignedEntry,
  entryId,
  openBook,
  parseSignedEntry,
  signBytes,
  signEntry,
  splitSignedEntry,
  toHex,
  compareBytes,
  type CborInput,
  type EntryDraft,
  type KeyPair,
  type Reason,
} from '../../src/core/index.js';
import { expectReason, key, openBody, T0 } from './helpers.js';

const A = key(1); // founder
const B = key(2); // member
const open = openBook(A, openBody('open'), T0);
const bookId = open.id;
const fakeId = (n: number) => new Uint8Array(32).fill(n);
const PREV = fakeId(0x50);

type Fields = Record<string, CborInput | undefined>;

/** A note by B at seq 2 as plain fields; override to make it wrong. */
function noteFields(over: Fields = {}): Fields {
  return { v: 1, book: bookId, author: B.publicKey, seq: 2, prev: PREV, links: [], time: T0 + 10, kind: 'note', body: { text: 'hi' }, ...over };
}

/** Signs arbitrary entry bytes with `k` (correctly, so that only the tested rule can fail). */
function signRaw(k: KeyPair, entryBytes: Uint8Array): Uint8Array {
  return encodeSignedEntry(entryBytes, signBytes(entryId(entryBytes), k.secret));
}

function signedOf(fields: Fields, k: KeyPair = B): Uint8Array {
  return signRaw(k, encodeCbor(fields));
}

/** parseSignedEntry of fields; expects `reason`. */
function parseFails(fields: Fields, reason: Reason, id: Uint8Array | null = bookId) {
  return expectReason(() => parseSignedEntry(signedOf(fields), id), reason);
}

describe('entry: a valid signed entry parses', () => {
  it('book/open built with openBook', () => {
    for (const id of [null, bookId]) {
      const p = parseSignedEntry(open.bytes, id);
      expect(p.idHex).toBe(toHex(entryId(p.entryBytes)));
      expect(p.idHex).toBe(open.idHex);
      expect(p.authorHex).toBe(toHex(A.publicKey));
      expect(p.entry.kind).toBe('book/open');
      expect(p.entry.book).toBeUndefined();
      expect(p.entry.prev).toBeUndefined();
      expect(p.entry.seq).toBe(1);
      expect(p.entry.time).toBe(T0);
      expect(p.entry.links).toEqual([]);
      expect(p.sig.length).toBe(64);
    }
    // the signed entry is the canonical [entryBytes, sig]
    expect(toHex(encodeSignedEntry(open.entryBytes, open.sig))).toBe(toHex(open.bytes));
  });

  it('a note built with signEntry, and its entry bytes re-encode identically', () => {
    const links = [fakeId(9), fakeId(3), fakeId(7)];
    const d: EntryDraft = { book: bookId, seq: 2, prev: PREV, links, time: T0 + 5, kind: 'note', body: { text: '你好，村子 🐓' } };
    const p = signEntry(B, d);
    const q = parseSignedEntry(p.bytes, bookId);
    expect(q.idHex).toBe(p.idHex);
    expect(q.entry.links.map(toHex)).toEqual([fakeId(3), fakeId(7), fakeId(9)].map(toHex)); // sorted by encodeEntry
    expect(q.entry.body.get('text')).toBe('你好，村子 🐓');
    expect(q.entry.prev).toEqual(PREV);
    expect(toHex(encodeEntry(B.publicKey, d))).toBe(toHex(q.entryBytes));
    expect(decodeEntry(q.entryBytes)).toEqual(q.entry);
  });

  it('a Book accepts it', () => {
    const book = new Book(bookId);
    expect(book.ingest(open.bytes)).toEqual({ kind: 'entry', id: open.idHex, status: 'valid' });
    const j = signEntry(B, { book: bookId, seq: 1, links: [open.id], time: T0 + 1, kind: 'member/join', body: { name: '李四' } });
    expect(book.ingest(j.bytes)).toEqual({ kind: 'entry', id: j.idHex, status: 'valid' });
  });
});

describe('entry: the signed-entry wrapper', () => {
  const eb = encodeCbor(noteFields());
  const sig = signBytes(entryId(eb), B.secret);
  for (const [label, v] of [
    ['not an array', new Map([['a', 1]])],
    ['a one-element array', [eb]],
    ['a three-element array', [eb, sig, sig]],
    ['entry as a map, not bytes', [noteFields(), sig]],
    ['signature of 63 bytes', [eb, sig.subarray(0, 63)]],
    ['signature of 65 bytes', [eb, new Uint8Array(65)]],
    ['signature as text', [eb, 'sig']],
  ] as [string, CborInput][]) {
    it(`${label} is encoding`, () => {
      expectReason(() => splitSignedEntry(encodeCbor(v)), 'encoding');
      expectReason(() => parseSignedEntry(encodeCbor(v), bookId), 'encoding');
    });
  }

  it('the entry bytes must themselves be canonical CBOR of a map', () => {
    for (const bad of [Uint8Array.of(0x80), Uint8Array.of(0xa0, 0x00), Uint8Array.of(0x18, 0x05), new Uint8Array(0)]) {
      expectReason(() => parseSignedEntry(encodeSignedEntry(bad, sig), bookId), 'encoding');
    }
  });
});

describe('entry: field types are encoding errors', () => {
  for (const k of ['v', 'author', 'seq', 'links', 'time', 'kind', 'body']) {
    it(`missing ${k}`, () => {
      const e = parseFails(noteFields({ [k]: undefined }), 'encoding');
      expect(e.field).toBe(k);
    });
  }

  const cases: [string, Fields, string][] = [
    ['an extra key', { extra: 1 }, 'extra'],
    ['v = 2', { v: 2 }, 'v'],
    ['v = 0', { v: 0 }, 'v'],
    ['v as text', { v: '1' }, 'v'],
    ['author of 31 bytes', { author: B.publicKey.subarray(0, 31) }, 'author'],
    ['author of 33 bytes', { author: new Uint8Array(33) }, 'author'],
    ['author as text', { author: toHex(B.publicKey) }, 'author'],
    ['book of 31 bytes', { book: bookId.subarray(0, 31) }, 'book'],
    ['book as text', { book: toHex(bookId) }, 'book'],
    ['seq as text', { seq: '2' }, 'seq'],
    ['seq negative', { seq: -2 }, 'seq'],
    ['seq beyond the safe range', { seq: 2n ** 60n }, 'seq'],
    ['seq as bool', { seq: true }, 'seq'],
    ['prev of 31 bytes', { prev: PREV.subarray(0, 31) }, 'prev'],
    ['prev as an array', { prev: [PREV] }, 'prev'],
    ['links not an array', { links: fakeId(1) }, 'links'],
    ['links as a map', { links: {} }, 'links'],
    ['a link of 31 bytes', { links: [fakeId(1), new Uint8Array(31).fill(2)] }, 'links[1]'],
    ['a link as text', { links: ['00'] }, 'links[0]'],
    ['time negative', { time: -1 }, 'time'],
    ['time as text', { time: '2024-01-01' }, 'time'],
    ['time beyond the safe range', { time: 2n ** 63n }, 'time'],
    ['kind as bytes', { kind: Uint8Array.of(1) }, 'kind'],
    ['kind as a number', { kind: 7 }, 'kind'],
    ['body not a map (array)', { body: [] }, 'body'],
    ['body not a map (text)', { body: 'hi' }, 'body'],
  ];
  for (const [label, over, field] of cases) {
    it(label, () => {
      const e = parseFails(noteFields(over), 'encoding');
      expect(e.field).toBe(field);
      expectReason(() => decodeEntry(encodeCbor(noteFields(over))), 'encoding');
    });
  }

  it('an entry that is not a map', () => {
    expectReason(() => decodeEntry(encodeCbor([1, 2])), 'encoding');
    expectReason(() => decodeEntry(encodeCbor('entry')), 'encoding');
  });
});

describe('entry: size cap (too-large, checked before decoding)', () => {
  /** A signed note by B whose text has `emoji` 4-byte and `ascii` 1-byte characters. */
  const noteOf = (emoji: number, ascii: number) =>
    signEntry(B, { book: bookId, seq: 2, prev: PREV, links: [], time: T0, kind: 'note', body: { text: '😀'.repeat(emoji) + 'x'.repeat(ascii) } });

  /** Text shape giving a signed entry of exactly `size` bytes, within the 2000-character limit. */
  function shapeFor(size: number): [number, number] {
    const base = noteOf(0, 300).bytes.length; // 300 bytes keeps every length head at its final width
    const textBytes = 300 + (size - base);
    const emoji = Math.ceil((textBytes - 2000) / 3);
    const ascii = textBytes - 4 * emoji;
    expect(ascii).toBeGreaterThanOrEqual(0);
    expect(emoji + ascii).toBeLessThanOrEqual(2000);
    return [emoji, ascii];
  }

  it(`a signed entry of exactly ${MAX_SIGNED_ENTRY_BYTES} bytes is accepted, and is valid in a book`, () => {
    const p = noteOf(...shapeFor(MAX_SIGNED_ENTRY_BYTES));
    expect(p.bytes.length).toBe(MAX_SIGNED_ENTRY_BYTES);
    expect(() => splitSignedEntry(p.bytes)).not.toThrow();
    expect(parseSignedEntry(p.bytes, bookId).idHex).toBe(p.idHex);

    const book = new Book(bookId);
    book.ingest(open.bytes);
    const j = signEntry(B, { book: bookId, seq: 1, links: [], time: T0, kind: 'member/join', body: { name: 'B' } });
    book.ingest(j.bytes);
    const big = signEntry(B, { book: bookId, seq: 2, prev: j.id, links: [], time: T0, kind: 'note', body: { text: p.entry.body.get('text') as string } });
    expect(big.bytes.length).toBe(MAX_SIGNED_ENTRY_BYTES);
    expect(book.ingest(big.bytes)).toEqual({ kind: 'entry', id: big.idHex, status: 'valid' });
  });

  it(`${MAX_SIGNED_ENTRY_BYTES + 1} bytes is too-large, even when otherwise valid`, () => {
    const [emoji, ascii] = shapeFor(MAX_SIGNED_ENTRY_BYTES + 1);
    const text = '😀'.repeat(emoji) + 'x'.repeat(ascii);
    // build it by hand: signEntry would throw too-large itself
    const eb = encodeEntry(B.publicKey, { book: bookId, seq: 2, prev: PREV, links: [], time: T0, kind: 'note', body: { text } });
    const bytes = signRaw(B, eb);
    expect(bytes.length).toBe(MAX_SIGNED_ENTRY_BYTES + 1);
    expectReason(() => splitSignedEntry(bytes), 'too-large');
    expectReason(() => parseSignedEntry(bytes, bookId), 'too-large');
    expectReason(() => signEntry(B, { book: bookId, seq: 2, prev: PREV, links: [], time: T0, kind: 'note', body: { text } }), 'too-large');
  });

  it('the size check comes before decoding: garbage of 8193 bytes is too-large, of 8192 is encoding', () => {
    for (const fill of [0x00, 0xff, 0x82, 0x5f]) {
      expectReason(() => splitSignedEntry(new Uint8Array(MAX_SIGNED_ENTRY_BYTES + 1).fill(fill)), 'too-large');
      expectReason(() => splitSignedEntry(new Uint8Array(MAX_SIGNED_ENTRY_BYTES).fill(fill)), 'encoding');
    }
    expectReason(() => splitSignedEntry(new Uint8Array(1 << 20)), 'too-large');
    const book = new Book(bookId);
    const r = book.ingest(new Uint8Array(MAX_SIGNED_ENTRY_BYTES + 1).fill(0xff));
    expect(r.kind).toBe('input-rejected');
    if (r.kind === 'input-rejected') {
      expect(r.rejection.reason).toBe('too-large');
      expect(r.rejection.id).toBeNull();
    }
  });
});

describe('entry: book rules', () => {
  it('book/open with a book field', () => {
    const f = { v: 1, book: fakeId(1), author: A.publicKey, seq: 1, links: [], time: T0, kind: 'book/open', body: { name: 'X', units: [['CNY', 2]], join: 'open', founder: 'A' } };
    expectReason(() => parseSignedEntry(signedOf(f, A), null), 'book');
    expectReason(() => parseSignedEntry(signedOf(f, A), fakeId(1)), 'book');
  });

  it('a non-open entry without a book field', () => {
    parseFails(noteFields({ book: undefined }), 'book');
    parseFails(noteFields({ book: undefined }), 'book', null);
  });

  it('a wrong book id', () => {
    const e = parseFails(noteFields({ book: fakeId(0x77) }), 'book');
    expect(e.field).toBe('book');
    // fine when the book is not known yet
    expect(() => parseSignedEntry(signedOf(noteFields({ book: fakeId(0x77) })), null)).not.toThrow();
  });

  it('a book/open read as the first entry of another book', () => {
    const other = openBook(A, { ...openBody('open'), name: 'Other' }, T0);
    expectReason(() => parseSignedEntry(other.bytes, bookId), 'book');
  });
});

describe('entry: chain rules visible in the entry', () => {
  it('seq 0', () => {
    parseFails(noteFields({ seq: 0, prev: undefined }), 'chain');
    parseFails(noteFields({ seq: 0 }), 'chain');
  });
  it('seq 1 with prev', () => {
    const e = parseFails(noteFields({ seq: 1, kind: 'member/join', body: { name: 'B' } }), 'chain');
    expect(e.field).toBe('prev');
  });
  it('seq 2 without prev', () => {
    const e = parseFails(noteFields({ prev: undefined }), 'chain');
    expect(e.field).toBe('prev');
  });
});

describe('entry: links rules', () => {
  const ids = Array.from({ length: 17 }, (_, i) => fakeId(i + 1));
  it(`${MAX_LINKS} sorted links are fine, ${MAX_LINKS + 1} are links`, () => {
    expect(() => parseSignedEntry(signedOf(noteFields({ links: ids.slice(0, MAX_LINKS) })), bookId)).not.toThrow();
    parseFails(noteFields({ links: ids }), 'links');
  });
  it('unsorted links', () => {
    const e = parseFails(noteFields({ links: [fakeId(2), fakeId(1)] }), 'links');
    expect(e.field).toBe('links[1]');
    const almost = new Uint8Array(32).fill(1);
    almost[31] = 0; // differs from fakeId(1) only in the last byte, and is smaller
    parseFails(noteFields({ links: [fakeId(1), almost] }), 'links');
  });
  it('duplicate links', () => {
    parseFails(noteFields({ links: [fakeId(1), fakeId(1)] }), 'links');
    parseFails(noteFields({ links: [fakeId(1), fakeId(2), fakeId(2), fakeId(3)] }), 'links');
  });
  it('a link equal to prev', () => {
    const e = parseFails(noteFields({ links: [fakeId(1), PREV] }), 'links');
    expect(e.field).toBe('links[1]');
  });
  it('encodeEntry sorts links, so signEntry never produces unsorted ones', () => {
    const p = signEntry(B, { book: bookId, seq: 2, prev: PREV, links: [fakeId(3), fakeId(1), fakeId(2)], time: T0, kind: 'note', body: { text: 'x' } });
    const ls = p.entry.links;
    for (let i = 1; i < ls.length; i++) expect(compareBytes(ls[i - 1]!, ls[i]!)).toBeLessThan(0);
  });
});

describe('entry: kinds and bodies', () => {
  const openFields = (body: Fields, over: Fields = {}): Fields => ({
    v: 1,
    author: A.publicKey,
    seq: 1,
    links: [],
    time: T0,
    kind: 'book/open',
    body: { name: 'Village', units: [['CNY', 2]], join: 'open', founder: 'Zhang San', ...body },
    ...over,
  });
  /** book/open bodies are checked with bookId null (the id of a changed book/open is a new book). */
  const openOk = (body: Fields) => expect(() => parseSignedEntry(signedOf(openFields(body), A), null)).not.toThrow();
  const openBad = (body: Fields, field?: string) => {
    const e = expectReason(() => parseSignedEntry(signedOf(openFields(body), A), null), 'kind');
    if (field !== undefined) expect(e.field).toBe(field);
  };
  const joinFields = (body: Fields, over: Fields = {}) => noteFields({ seq: 1, prev: undefined, kind: 'member/join', body, ...over });

  it('unknown kinds', () => {
    for (const k of ['', 'transfer/x', 'Note', 'note ', 'book/close', 'x'.repeat(200)]) {
      const e = parseFails(noteFields({ kind: k }), 'kind');
      expect(e.field).toBe('kind');
    }
  });

  it('book/open name: 1–80 characters of text', () => {
    openOk({ name: 'V' });
    openOk({ name: 'x'.repeat(80) });
    openOk({ name: '村'.repeat(80) });
    openBad({ name: '' }, 'body.name');
    openBad({ name: 'x'.repeat(81) }, 'body.name');
    openBad({ name: 7 }, 'body.name');
    openBad({ name: undefined }, 'body.name');
  });

  it('book/open founder: 1–60 characters of text', () => {
    openOk({ founder: 'x'.repeat(60) });
    openBad({ founder: '' }, 'body.founder');
    openBad({ founder: 'x'.repeat(61) }, 'body.founder');
    openBad({ founder: Uint8Array.of(65) }, 'body.founder');
  });

  it('book/open units', () => {
    openOk({ units: [['CNY', 0]] });
    openOk({ units: [['C'.repeat(12), 6]] });
    openOk({ units: Array.from({ length: 16 }, (_, i) => [`U${i}`, i % 7]) });
    openOk({ units: [['鸡蛋', 0], ['CNY', 2]] });
    openBad({ units: [] }, 'body.units');
    openBad({ units: Array.from({ length: 17 }, (_, i) => [`U${i}`, 0]) }, 'body.units');
    openBad({ units: [['CNY', 2], ['EGG', 0], ['CNY', 0]] }, 'body.units[2]');
    openBad({ units: [['CNY', 7]] }, 'body.units[0]');
    openBad({ units: [['CNY', -1]] }, 'body.units[0]');
    openBad({ units: [['C'.repeat(13), 2]] }, 'body.units[0]');
    openBad({ units: [['', 2]] }, 'body.units[0]');
    openBad({ units: [[2, 'CNY']] }, 'body.units[0]');
    openBad({ units: [['CNY']] }, 'body.units[0]');
    openBad({ units: [['CNY', 2, 0]] }, 'body.units[0]');
    openBad({ units: ['CNY'] }, 'body.units[0]');
    openBad({ units: { CNY: 2 } }, 'body.units');
  });

  it("book/open join: 'open' or 'approve'", () => {
    openOk({ join: 'approve' });
    openBad({ join: 'closed' }, 'body.join');
    openBad({ join: 'Open' }, 'body.join');
    openBad({ join: true }, 'body.join');
  });

  it('book/open extra body key, and book/open at seq 2', () => {
    openBad({ extra: 'x' }, 'body.extra');
    const e = expectReason(() => parseSignedEntry(signedOf(openFields({}, { seq: 2, prev: PREV }), A), null), 'kind');
    expect(e.field).toBe('seq');
  });

  it('member/join name: 1–60 characters; only at seq 1', () => {
    expect(() => parseSignedEntry(signedOf(joinFields({ name: 'x'.repeat(60) })), bookId)).not.toThrow();
    expect(() => parseSignedEntry(signedOf(joinFields({ name: '🐓'.repeat(60) })), bookId)).not.toThrow();
    parseFails(joinFields({ name: '' }), 'kind');
    parseFails(joinFields({ name: 'x'.repeat(61) }), 'kind');
    parseFails(joinFields({ name: '🐓'.repeat(61) }), 'kind');
    parseFails(joinFields({ name: 60 }), 'kind');
    parseFails(joinFields({}), 'kind');
    parseFails(joinFields({ name: 'B', extra: 1 }), 'kind');
    const e = parseFails(noteFields({ kind: 'member/join', body: { name: 'B' } }), 'kind');
    expect(e.field).toBe('seq');
  });

  it('member/admit member: 32 bytes', () => {
    expect(() => parseSignedEntry(signedOf(noteFields({ kind: 'member/admit', body: { member: B.publicKey } }), A), bookId)).not.toThrow();
    parseFails(noteFields({ kind: 'member/admit', body: { member: B.publicKey.subarray(0, 31) } }), 'kind');
    parseFails(noteFields({ kind: 'member/admit', body: { member: toHex(B.publicKey) } }), 'kind');
    parseFails(noteFields({ kind: 'member/admit', body: {} }), 'kind');
    parseFails(noteFields({ kind: 'member/admit', body: { member: B.publicKey, note: 'x' } }), 'kind');
  });

  it('note text: 1–2000 characters counted in code points', () => {
    const ok = (text: string) => expect(() => parseSignedEntry(signedOf(noteFields({ body: { text } })), bookId)).not.toThrow();
    ok('x');
    ok('x'.repeat(2000));
    ok('中'.repeat(2000));
    // 2000 characters, 3900 UTF-16 code units, 7700 bytes
    ok('😀'.repeat(1900) + 'x'.repeat(100));
    // 2000 emoji are 2000 characters (4000 UTF-16 code units); at 8000 bytes of text such an entry
    // cannot fit in 8192 signed bytes, so check the body rule on its own
    const eb = encodeCbor(noteFields({ body: { text: '😀'.repeat(2000) } }));
    expect(() => checkEntryRules(decodeEntry(eb), entryId(eb), bookId)).not.toThrow();
    const eb2 = encodeCbor(noteFields({ body: { text: '😀'.repeat(2001) } }));
    expectReason(() => checkEntryRules(decodeEntry(eb2), entryId(eb2), bookId), 'kind');
    parseFails(noteFields({ body: { text: '' } }), 'kind');
    parseFails(noteFields({ body: { text: 'x'.repeat(2001) } }), 'kind');
    parseFails(noteFields({ body: { text: '中'.repeat(2001) } }), 'kind');
    parseFails(noteFields({ body: { text: '😀'.repeat(1901) + 'x'.repeat(100) } }), 'kind');
    parseFails(noteFields({ body: { text: 1 } }), 'kind');
    parseFails(noteFields({ body: {} }), 'kind');
    const e = parseFails(noteFields({ body: { text: 'hi', extra: 'x' } }), 'kind');
    expect(e.field).toBe('body.extra');
  });

  it('checkEntryRules agrees with parseSignedEntry', () => {
    const eb = encodeCbor(noteFields({ body: { text: '' } }));
    expectReason(() => checkEntryRules(decodeEntry(eb), entryId(eb), bookId), 'kind');
  });
});
