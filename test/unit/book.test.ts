/**
 * Scenario tests of the Book state (DESIGN sections 2 and 3): membership under both join policies,
 * permission, time, chain and links rules, held entries and missing(), signature and book input
 * rejections, forks, witnesses, and incremental state = rebuild().
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  Book,
  append,
  compareBytes,
  encodeSignedEntry,
  ingestBatch,
  verifyStrict,
  nextDraft,
  openBook,
  signEntry,
  toHex,
  type EntryDraft,
  type IngestResult,
  type KeyPair,
  type ParsedEntry,
} from '../../src/core/index.js';
import { hexOf, key, newBook, openBody, T0 } from './helpers.js';

const A = key(1); // founder, the only admin
const B = key(2);
const C = key(3);
const D = key(4);
const [ah, bh, ch] = [hexOf(A), hexOf(B), hexOf(C)];

/** stateBytes() is unchanged by rebuild(): incremental equals from-scratch. */
function expectRebuildSame(book: Book): void {
  const before = toHex(book.stateBytes());
  book.rebuild();
  expect(toHex(book.stateBytes())).toBe(before);
}

/** Feeds `entries` to a fresh book (with signature checks) in the given order. */
function replay(bookId: Uint8Array, entries: readonly Uint8Array[]): Book {
  const b = new Book(bookId);
  for (const e of entries) {
    const r = b.ingest(e);
    expect(r.kind).not.toBe('input-rejected');
  }
  return b;
}

/** Deterministic permutations of a list: reversed, rotated, interleaved. */
function orders<T>(xs: readonly T[]): T[][] {
  const rev = [...xs].reverse();
  const rot = [...xs.slice(Math.floor(xs.length / 2)), ...xs.slice(0, Math.floor(xs.length / 2))];
  const odd = [...xs.filter((_, i) => i % 2 === 1), ...xs.filter((_, i) => i % 2 === 0)];
  return [rev, rot, odd, [...odd].reverse()];
}

/** Every arrival order gives the same state, byte for byte. */
function expectOrderIndependent(book: Book): void {
  const want = toHex(book.stateBytes());
  for (const order of orders(book.signedEntries())) expect(toHex(replay(book.id, order).stateBytes())).toBe(want);
}

function sign(k: KeyPair, book: Book, d: Omit<EntryDraft, 'book'>): ParsedEntry {
  return signEntry(k, { ...d, book: book.id }, book.id);
}

function entryResult(r: IngestResult): { id: string; status: string } {
  expect(r.kind).toBe('entry');
  if (r.kind !== 'entry') throw new Error('not an entry');
  return r;
}

describe('book: membership under the open policy', () => {
  it('a join then a note are valid; the joiner is a member', () => {
    const { book, open } = newBook(A, 'open');
    expect(book.info?.join).toBe('open');
    expect(book.founder).toBe(ah);
    const j = append(book, B, bh, 'member/join', { name: '李四' }, T0 + 1);
    expect(book.status(j.idHex)).toBe('valid');
    const n = append(book, B, bh, 'note', { text: '今天的鸡蛋 🥚' }, T0 + 2);
    expect(book.status(n.idHex)).toBe('valid');
    expect(n.entry.prev).toEqual(j.id);
    expect(book.members()).toEqual(
      [
        { key: ah, name: 'Zhang San', status: 'member', admin: true },
        { key: bh, name: '李四', status: 'member', admin: false },
      ].sort((x, y) => (x.key < y.key ? -1 : 1)),
    );
    expect(book.valid).toBe(3);
    expect(book.size).toBe(3);
    expect(book.headList()).toEqual(
      [
        { author: ah, seq: 1, id: open.idHex },
        { author: bh, seq: 2, id: n.idHex },
      ].sort((x, y) => (x.author < y.author ? -1 : 1)),
    );
    expect(book.ingest(n.bytes)).toEqual({ kind: 'duplicate', id: n.idHex });
    expectRebuildSame(book);
    expectOrderIndependent(book);
  });
});

describe('book: the approve policy', () => {
  /** Source entries: open, B's join, B's note (written before the admit), A's admit of B. */
  function source() {
    const { book, open } = newBook(A, 'approve');
    const j = append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    expect(book.status(j.idHex)).toBe('valid');
    expect(book.members().find((m) => m.key === bh)?.status).toBe('requested');
    const n = append(book, B, bh, 'note', { text: 'before admission' }, T0 + 2);
    return { book, open, j, n };
  }

  it("a joiner's note is held until an admin's admit, then valid", () => {
    const { book, j, n } = source();
    expect(book.status(n.idHex)).toBe('held');
    expect(book.errorOf(n.idHex)?.reason).toBe('permission');
    expect(book.held()).toEqual([{ id: n.idHex, waitingFor: [], awaitingAdmission: true }]);
    expect(book.missing()).toEqual([]);
    expectRebuildSame(book);
    const adm = append(book, A, ah, 'member/admit', { member: B.publicKey }, T0 + 3);
    expect(adm.entry.links.map(toHex)).toEqual([j.idHex]); // the held note is not a head
    expect(book.status(adm.idHex)).toBe('valid');
    expect(book.status(n.idHex)).toBe('valid');
    expect(book.errorOf(n.idHex)).toBeNull();
    expect(book.held()).toEqual([]);
    expect(book.members().find((m) => m.key === bh)?.status).toBe('member');
    expectRebuildSame(book);
  });

  it('the outcome is the same whether the admit arrives before or after the note', () => {
    const { book, open, j, n } = source();
    const adm = append(book, A, ah, 'member/admit', { member: B.publicKey }, T0 + 3);
    const after = append(book, B, bh, 'note', { text: 'after admission' }, T0 + 4);
    expect(book.status(after.idHex)).toBe('valid');
    const want = toHex(book.stateBytes());

    const admitFirst = replay(book.id, [open.bytes, j.bytes, adm.bytes, n.bytes, after.bytes]);
    expect(admitFirst.status(n.idHex)).toBe('valid');
    const noteFirst = new Book(book.id);
    for (const e of [open.bytes, j.bytes, n.bytes, after.bytes]) noteFirst.ingest(e);
    expect(noteFirst.status(n.idHex)).toBe('held');
    expect(noteFirst.status(after.idHex)).toBe('held'); // waits behind its prev
    expect(noteFirst.held().map((h) => h.awaitingAdmission)).toEqual(
      [n.idHex, after.idHex].sort().map((id) => id === n.idHex),
    );
    expect(entryResult(noteFirst.ingest(adm.bytes)).status).toBe('valid');
    expect(noteFirst.status(n.idHex)).toBe('valid');
    expect(noteFirst.status(after.idHex)).toBe('valid');
    expect(toHex(admitFirst.stateBytes())).toBe(want);
    expect(toHex(noteFirst.stateBytes())).toBe(want);
    expectOrderIndependent(book);
  });

  it("an admin's admit that links the joiner's pending entry admits it (no deadlock)", () => {
    const { book, j, n } = source();
    const adm = sign(A, book, { seq: 2, prev: book.id, links: [n.id], time: T0 + 3, kind: 'member/admit', body: { member: B.publicKey } });
    expect(entryResult(book.ingest(adm.bytes)).status).toBe('valid');
    expect(book.status(n.idHex)).toBe('valid');
    expect(book.status(j.idHex)).toBe('valid');
    expect(book.held()).toEqual([]);
    // Regression: in this order the note became "awaiting admission" without waking the admit
    // that was waiting for it, so both stayed held for ever.
    const late = replay(book.id, [n, adm, book.entry(book.idHex)!, j].map((p) => p.bytes));
    expect(late.status(adm.idHex)).toBe('valid');
    expect(late.status(n.idHex)).toBe('valid');
    expect(toHex(late.stateBytes())).toBe(toHex(book.stateBytes()));
    expectRebuildSame(book);
    expectOrderIndependent(book);
  });

  it("a joiner's member/admit is permission at once, not after admission, so entries linking it are judged alike in every order", () => {
    // Regression: the admin check used to come after the wait for admission, so B's admit was
    // first held (awaiting admission, linkable), C's note linking it was valid, and once B was
    // admitted B's admit became rejected -- while a replica that saw B's admission first rejected
    // C's note (a link to a rejected entry). The state depended on arrival order.
    const { book, open, j: jb, n } = source(); // n: B's note, awaiting admission
    const jc = append(book, C, ch, 'member/join', { name: 'C' }, T0 + 2);
    const admC = append(book, A, ah, 'member/admit', { member: C.publicKey }, T0 + 3);
    const badAdm = append(book, B, bh, 'member/admit', { member: D.publicKey }, T0 + 4);
    expect(book.status(badAdm.idHex)).toBe('rejected');
    expect(book.errorOf(badAdm.idHex)?.reason).toBe('permission');
    const nc = sign(C, book, { seq: 2, prev: jc.id, links: [badAdm.id], time: T0 + 5, kind: 'note', body: { text: 'I saw B admit D' } });
    book.ingest(nc.bytes);
    const admB = sign(A, book, { seq: 3, prev: admC.id, links: [jb.id], time: T0 + 6, kind: 'member/admit', body: { member: B.publicKey } });
    expect(entryResult(book.ingest(admB.bytes)).status).toBe('valid');
    expect(book.status(nc.idHex)).toBe('valid'); // a link to a rejected entry is allowed
    const admissionFirst = replay(book.id, [open, jb, n, jc, admC, admB, badAdm, nc].map((p) => p.bytes));
    expect(admissionFirst.status(nc.idHex)).toBe('valid');
    expect(toHex(admissionFirst.stateBytes())).toBe(toHex(book.stateBytes()));
    expectRebuildSame(book);
    expectOrderIndependent(book);
  });

  it('an admit by a non-admin member does not admit', () => {
    const { book, n } = source();
    append(book, C, ch, 'member/join', { name: 'C' }, T0 + 1);
    append(book, A, ah, 'member/admit', { member: C.publicKey }, T0 + 2);
    const bad = append(book, C, ch, 'member/admit', { member: B.publicKey }, T0 + 3);
    expect(book.status(bad.idHex)).toBe('rejected');
    expect(book.errorOf(bad.idHex)?.reason).toBe('permission');
    expect(book.status(n.idHex)).toBe('held');
    expectRebuildSame(book);
  });
});

describe('book: rules that need other entries', () => {
  it("a stranger's seq-1 note is permission, and their next entry is chain", () => {
    const { book } = newBook(A, 'open');
    const s1 = append(book, D, hexOf(D), 'note', { text: 'let me in' }, T0 + 1);
    expect(book.status(s1.idHex)).toBe('rejected');
    expect(book.errorOf(s1.idHex)?.reason).toBe('permission');
    const s2 = append(book, D, hexOf(D), 'note', { text: 'again' }, T0 + 2);
    expect(s2.entry.prev).toEqual(s1.id);
    expect(book.status(s2.idHex)).toBe('rejected');
    expect(book.errorOf(s2.idHex)?.reason).toBe('chain');
    expect(book.rejected().map((r) => [r.id, r.reason]).sort()).toEqual(
      [
        [s1.idHex, 'permission'],
        [s2.idHex, 'chain'],
      ].sort(),
    );
    expect(book.members().map((m) => m.key)).toEqual([ah]);
    expectRebuildSame(book);
  });

  it("a non-admin's member/admit is permission", () => {
    const { book } = newBook(A, 'open');
    append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const adm = append(book, B, bh, 'member/admit', { member: C.publicKey }, T0 + 2);
    expect(book.status(adm.idHex)).toBe('rejected');
    expect(book.errorOf(adm.idHex)?.reason).toBe('permission');
    // the founder's admit is fine
    const ok = append(book, A, ah, 'member/admit', { member: C.publicKey }, T0 + 3);
    expect(book.status(ok.idHex)).toBe('valid');
    expectRebuildSame(book);
  });

  it('time earlier than prev is time; equal time is fine', () => {
    const { book } = newBook(A, 'open');
    const j = append(book, B, bh, 'member/join', { name: 'B' }, T0 + 100);
    const same = sign(B, book, { seq: 2, prev: j.id, links: [], time: T0 + 100, kind: 'note', body: { text: 'same ms' } });
    expect(entryResult(book.ingest(same.bytes)).status).toBe('valid');
    const back = sign(B, book, { seq: 3, prev: same.id, links: [], time: T0 + 99, kind: 'note', body: { text: 'back' } });
    expect(entryResult(book.ingest(back.bytes)).status).toBe('rejected');
    expect(book.errorOf(back.idHex)?.reason).toBe('time');
    // an entry after a rejected one is chain
    const next = sign(B, book, { seq: 4, prev: back.id, links: [], time: T0 + 200, kind: 'note', body: { text: 'next' } });
    expect(entryResult(book.ingest(next.bytes)).status).toBe('rejected');
    expect(book.errorOf(next.idHex)?.reason).toBe('chain');
    expectRebuildSame(book);
  });

  it("prev naming another author's entry is chain", () => {
    const { book, open } = newBook(A, 'open');
    append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const p = sign(B, book, { seq: 2, prev: open.id, links: [], time: T0 + 2, kind: 'note', body: { text: 'x' } });
    expect(entryResult(book.ingest(p.bytes)).status).toBe('rejected');
    const e = book.errorOf(p.idHex)!;
    expect([e.reason, e.field]).toEqual(['chain', 'prev']);
    expectRebuildSame(book);
  });

  it('prev with the wrong seq is chain', () => {
    const { book } = newBook(A, 'open');
    const j = append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const p = sign(B, book, { seq: 3, prev: j.id, links: [], time: T0 + 2, kind: 'note', body: { text: 'skip' } });
    expect(entryResult(book.ingest(p.bytes)).status).toBe('rejected');
    expect(book.errorOf(p.idHex)?.reason).toBe('chain');
  });

  it("a link to the author's own entry is links; a link to a rejected entry is allowed and carries no knowledge", () => {
    const { book } = newBook(A, 'open');
    const j = append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const n2 = append(book, B, bh, 'note', { text: 'two' }, T0 + 2);
    const own = sign(B, book, { seq: 3, prev: n2.id, links: [j.id], time: T0 + 3, kind: 'note', body: { text: 'three' } });
    expect(entryResult(book.ingest(own.bytes)).status).toBe('rejected');
    expect(book.errorOf(own.idHex)?.reason).toBe('links');
    expect(book.errorOf(own.idHex)?.field).toBe('links[0]');

    const stranger = append(book, D, hexOf(D), 'note', { text: 'not a member' }, T0 + 1);
    expect(book.status(stranger.idHex)).toBe('rejected');
    const toRejected = sign(B, book, { seq: 3, prev: n2.id, links: [stranger.id], time: T0 + 3, kind: 'note', body: { text: 'three b' } });
    book.ingest(toRejected.bytes);
    // (a second seq-3 entry by B: also a fork, which freezes; check the links verdict on a fresh book)
    const fresh = replay(book.id, [...[j, n2, stranger, toRejected].map((p) => p.bytes), book.entry(book.idHex)!.bytes]);
    // An entry may become rejected after others linked it (a fork or removal found later), so a
    // link to it must not spread the rejection into honest chains (FORMAT.md §2).
    expect(fresh.status(toRejected.idHex)).toBe('valid');
    expect(fresh.seenIn(fresh.clockOf(toRejected.idHex)!, hexOf(D))).toBe(0);
    expectRebuildSame(fresh);
  });

  it('entries of the book wait for the book/open, and count once it arrives', () => {
    const src = newBook(A, 'open').book;
    const j = append(src, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const book = new Book(src.id);
    expect(entryResult(book.ingest(j.bytes)).status).toBe('held');
    expect(book.missing()).toEqual([src.idHex]);
    expect(book.info).toBeNull();
    book.ingest(src.entry(src.idHex)!.bytes);
    expect(book.status(j.idHex)).toBe('valid');
    expect(book.missing()).toEqual([]);
  });
});

describe('book: held entries and missing()', () => {
  it('entries delivered in reverse order are held, list exactly the absent ids, then become valid', () => {
    const { book: src, open } = newBook(A, 'open');
    const j = append(src, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const n1 = append(src, B, bh, 'note', { text: 'one' }, T0 + 2);
    const a2 = append(src, A, ah, 'note', { text: 'A two' }, T0 + 3);
    const n2 = append(src, B, bh, 'note', { text: 'two' }, T0 + 4);
    expect(j.entry.links.map(toHex)).toEqual([open.idHex]);
    expect(a2.entry.links.map(toHex)).toEqual([n1.idHex]);
    expect(n2.entry.links.map(toHex)).toEqual([a2.idHex]);
    for (const p of [j, n1, a2, n2]) expect(src.status(p.idHex)).toBe('valid');

    const book = new Book(src.id);
    const sorted = (...ids: string[]) => [...new Set(ids)].sort();
    // n2 first: waits for the book, its prev n1 and its link a2
    expect(entryResult(book.ingest(n2.bytes)).status).toBe('held');
    expect(book.missing()).toEqual(sorted(open.idHex, n1.idHex, a2.idHex));
    // waitingFor lists the book, then prev, then the links
    expect(book.held()).toEqual([{ id: n2.idHex, waitingFor: [open.idHex, n1.idHex, a2.idHex], awaitingAdmission: false }]);
    // a2: prev is the book/open, link n1
    expect(entryResult(book.ingest(a2.bytes)).status).toBe('held');
    expect(book.missing()).toEqual(sorted(open.idHex, n1.idHex));
    // n1: prev j
    expect(entryResult(book.ingest(n1.bytes)).status).toBe('held');
    expect(book.missing()).toEqual(sorted(open.idHex, j.idHex));
    // j: only the book
    expect(entryResult(book.ingest(j.bytes)).status).toBe('held');
    expect(book.missing()).toEqual([open.idHex]);
    expect(book.held().map((h) => h.id)).toEqual(sorted(n2.idHex, a2.idHex, n1.idHex, j.idHex));
    expect(book.valid).toBe(0);
    expectRebuildSame(book);
    // the book/open releases everything
    expect(entryResult(book.ingest(open.bytes)).status).toBe('valid');
    for (const p of [j, n1, a2, n2]) expect(book.status(p.idHex)).toBe('valid');
    expect(book.missing()).toEqual([]);
    expect(book.held()).toEqual([]);
    expect(toHex(book.stateBytes())).toBe(toHex(src.stateBytes()));
    expectRebuildSame(book);
  });
});

describe('book: input rejections', () => {
  it('a forged signature is rejected as signature and does not block the genuine entry', () => {
    const { book: src, open } = newBook(A, 'open');
    const j = append(src, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const n = append(src, B, bh, 'note', { text: 'genuine' }, T0 + 2);
    const book = replay(src.id, [open.bytes, j.bytes]);
    for (const bit of [0, 7, 300, 511]) {
      const forged = Uint8Array.from(n.bytes);
      const sigStart = n.bytes.length - 64;
      forged[sigStart + (bit >> 3)]! ^= 1 << (bit & 7);
      const r = book.ingest(forged);
      expect(r.kind).toBe('input-rejected');
      if (r.kind === 'input-rejected') {
        expect(r.rejection.reason).toBe('signature');
        expect(r.rejection.id).toBe(n.idHex); // same id: the entry bytes are untouched
      }
      expect(book.status(n.idHex)).toBeUndefined();
    }
    expect(book.rejectedInputs().total).toBe(4);
    expect(book.size).toBe(2);
    expect(book.ingest(n.bytes)).toEqual({ kind: 'entry', id: n.idHex, status: 'valid' });
    expect(toHex(book.stateBytes())).toBe(toHex(src.stateBytes()));
  });

  it('an entry signed by someone other than its author is signature', () => {
    const { book } = newBook(A, 'open');
    const d = nextDraft(book, bh, 'member/join', { name: 'B' }, T0 + 1);
    const byC = signEntry({ secret: C.secret, publicKey: B.publicKey }, d, book.id);
    const r = book.ingest(byC.bytes);
    expect(r.kind === 'input-rejected' && r.rejection.reason).toBe('signature');
  });

  it('an entry replayed from another book is rejected as book, and is not a fork', () => {
    const { book } = newBook(A, 'open');
    const { book: other } = newBook(A, 'open', T0 + 5); // a second book by the same founder
    expect(other.idHex).not.toBe(book.idHex);
    const jOther = append(other, B, bh, 'member/join', { name: 'B' }, T0 + 6);
    const j = append(book, B, bh, 'member/join', { name: 'B' }, T0 + 6);
    const r = entryResult(book.ingest(jOther.bytes));
    expect(r.status).toBe('rejected');
    expect(book.errorOf(jOther.idHex)?.reason).toBe('book');
    // and the other book's book/open
    const openOther = other.entry(other.idHex)!;
    expect(entryResult(book.ingest(openOther.bytes)).status).toBe('rejected');
    expect(book.errorOf(openOther.idHex)?.reason).toBe('book');
    // B and A each have a seq-1 entry in both books; that is not equivocation within this book
    expect(book.forks()).toEqual([]);
    expect(book.status(j.idHex)).toBe('valid');
    expect(book.status(book.idHex)).toBe('valid');
    expectRebuildSame(book);
  });

  it('undecodable input is encoding with a null id when the wrapper does not split', () => {
    const { book } = newBook(A, 'open');
    for (const bad of [new Uint8Array(0), Uint8Array.of(0x82), Uint8Array.of(0xf6), Uint8Array.of(0x82, 0x40, 0x40)]) {
      const r = book.ingest(bad);
      expect(r.kind === 'input-rejected' && [r.rejection.reason, r.rejection.id]).toEqual(['encoding', null]);
    }
  });
});

describe('book: forks', () => {
  function forkScenario() {
    const { book, open } = newBook(A, 'open');
    const jb = append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const jc = append(book, C, ch, 'member/join', { name: 'C' }, T0 + 1);
    const x = append(book, B, bh, 'note', { text: 'X: I paid 10' }, T0 + 2);
    const x3 = append(book, B, bh, 'note', { text: 'after X' }, T0 + 3);
    const cn = append(book, C, ch, 'note', { text: 'seen X' }, T0 + 4); // links B's latest, x3
    expect(cn.entry.links.map(toHex)).toContain(x3.idHex);
    // B equivocates: a different seq-2 entry with the same prev
    const y = sign(B, book, { seq: 2, prev: jb.id, links: [], time: T0 + 2, kind: 'note', body: { text: 'Y: I paid 0' } });
    return { book, open, jb, jc, x, x3, cn, y };
  }

  it('two seq-2 entries by one author: a fork proof, a frozen chain from seq 2, others unaffected', () => {
    const { book, jb, x, x3, cn, y } = forkScenario();
    expect(book.forks()).toEqual([]);
    expect(book.status(x.idHex)).toBe('valid');
    const r = entryResult(book.ingest(y.bytes));
    expect(r.status).toBe('frozen');

    const forks = book.forks();
    expect(forks).toHaveLength(1);
    const [lo, hi] = [x, y].sort((p, q) => (p.idHex < q.idHex ? -1 : 1));
    expect(forks[0]!.author).toBe(bh);
    expect(forks[0]!.seq).toBe(2);
    expect(forks[0]!.ids).toEqual([lo!.idHex, hi!.idHex]);
    expect(forks[0]!.entries.map(toHex)).toEqual([toHex(lo!.bytes), toHex(hi!.bytes)]);

    for (const p of [x, y, x3]) {
      expect(book.status(p.idHex)).toBe('frozen');
      expect(book.errorOf(p.idHex)?.reason).toBe('fork');
    }
    expect(book.status(jb.idHex)).toBe('valid'); // before the fork
    expect(book.status(cn.idHex)).toBe('valid'); // another author linking a frozen entry
    expect(book.headList().find((h) => h.author === bh)).toEqual({ author: bh, seq: 1, id: jb.idHex });
    // B's later entries stay frozen
    const x4 = append(book, B, bh, 'note', { text: 'later' }, T0 + 9);
    expect(book.status(x4.idHex)).toBe('frozen');
    expect(book.errorOf(x4.idHex)?.reason).toBe('fork');
    expect(book.forks()).toHaveLength(1);
    expectRebuildSame(book);
    expectOrderIndependent(book);
  });

  it('the same fork is found whichever side arrives first', () => {
    const { book, open, jb, jc, x, x3, cn, y } = forkScenario();
    book.ingest(y.bytes);
    const want = toHex(book.stateBytes());
    const b2 = replay(book.id, [y, open, jc, cn, x3, jb, x].map((p) => p.bytes));
    expect(toHex(b2.stateBytes())).toBe(want);
    expect(b2.status(cn.idHex)).toBe('valid');
  });

  it('an entry at seq 3 is not a fork; a third entry at seq 2 keeps one proof', () => {
    const { book, jb, y } = forkScenario();
    book.ingest(y.bytes);
    const z = sign(B, book, { seq: 2, prev: jb.id, links: [], time: T0 + 2, kind: 'note', body: { text: 'Z' } });
    book.ingest(z.bytes);
    expect(book.forks()).toHaveLength(1);
    expect(book.status(z.idHex)).toBe('frozen');
    expectRebuildSame(book);
  });
});

describe('book: witnesses', () => {
  it("after A writes, B writes linking A's entry: that entry has 2 witnesses", () => {
    const { book, open } = newBook(A, 'open');
    append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    append(book, C, ch, 'member/join', { name: 'C' }, T0 + 1); // a member who never sees A's note
    expect(book.witnesses(open.idHex)).toBe(3);
    const na = append(book, A, ah, 'note', { text: 'A writes' }, T0 + 2);
    expect(book.witnesses(na.idHex)).toBe(1);
    const nb = append(book, B, bh, 'note', { text: 'B writes' }, T0 + 3);
    expect(nb.entry.links.map(toHex)).toContain(na.idHex);
    expect(book.witnesses(na.idHex)).toBe(2);
    expect(book.witnesses(nb.idHex)).toBe(1);
    // the table agrees
    const table = book.witnessTable();
    expect(table.get(ah)).toEqual([3, 2]);
    expect(table.get(bh)![1]).toBe(1);
    expect(book.witnesses('00'.repeat(32))).toBe(0);
    expectRebuildSame(book);
    expectOrderIndependent(book);
  });

  it('an unadmitted joiner does not witness (approve policy)', () => {
    const { book, open } = newBook(A, 'approve');
    append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    expect(book.witnesses(open.idHex)).toBe(1);
    append(book, A, ah, 'member/admit', { member: B.publicKey }, T0 + 2);
    expect(book.witnesses(open.idHex)).toBe(2);
  });
});

describe('book: construction', () => {
  it('a book id is 32 bytes', () => {
    expect(() => new Book(new Uint8Array(31))).toThrow(RangeError);
  });
  it('openBook gives the book id', () => {
    const open = openBook(A, openBody('open'), T0);
    expect(new Book(open.id).idHex).toBe(open.idHex);
  });
});

/** A second valid Ed25519 signature of `msg` (another nonce r), as a signer with random nonces makes. */
function otherSignature(k: KeyPair, msg: Uint8Array, r: bigint): Uint8Array {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(k.secret);
  const R = ed25519.Point.BASE.multiply(r).toBytes();
  const h = sha512(new Uint8Array([...R, ...pointBytes, ...msg]));
  let kk = 0n;
  for (let i = 63; i >= 0; i--) kk = (kk << 8n) | BigInt(h[i]!);
  const S = (r + (kk % L) * scalar) % L;
  const sig = new Uint8Array(64);
  sig.set(R, 0);
  for (let i = 0; i < 32; i++) sig[32 + i] = Number((S >> BigInt(8 * i)) & 0xffn);
  return sig;
}

describe('book: the same entry with two valid signatures', () => {
  it('is one entry; every replica keeps the bytewise-smaller signed entry, whatever the order', () => {
    const { book: src, open } = newBook(A, 'open');
    const j = append(src, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const sig2 = otherSignature(B, j.id, 0x1234567890abcdefn);
    expect(verifyStrict(sig2, j.id, B.publicKey)).toBe(true);
    expect(toHex(sig2)).not.toBe(toHex(j.sig));
    const alt = encodeSignedEntry(j.entryBytes, sig2);
    const smaller = compareBytes(alt, j.bytes) < 0 ? alt : j.bytes;

    const states = [
      [j.bytes, alt],
      [alt, j.bytes],
    ].map(([first, second]) => {
      const b = new Book(src.id);
      b.ingest(open.bytes);
      expect(entryResult(b.ingest(first!)).status).toBe('valid');
      expect(b.ingest(second!)).toEqual({ kind: 'duplicate', id: j.idHex });
      expect(b.ingest(second!)).toEqual({ kind: 'duplicate', id: j.idHex });
      expect(toHex(b.entry(j.idHex)!.bytes)).toBe(toHex(smaller));
      expect(b.size).toBe(2);
      expectRebuildSame(b);
      return toHex(b.stateBytes());
    });
    expect(states[0]).toBe(states[1]);
  });

  it('a forged signature over an existing id is still a signature rejection and changes nothing', () => {
    const { book } = newBook(A, 'open');
    const j = append(book, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const before = toHex(book.stateBytes());
    const bad = Uint8Array.from(j.sig);
    bad[5]! ^= 0x10;
    const r = book.ingest(encodeSignedEntry(j.entryBytes, bad));
    expect(r.kind === 'input-rejected' && r.rejection.reason).toBe('signature');
    expect(toHex(book.entry(j.idHex)!.bytes)).toBe(toHex(j.bytes));
    expect(toHex(book.stateBytes())).toBe(before);
  });
});

describe('book: input buffers', () => {
  it('the book owns the bytes it ingests: reusing the caller buffer changes nothing', () => {
    const { book: src, open } = newBook(A, 'open');
    const j = append(src, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const book = new Book(src.id);
    const buf = new Uint8Array(open.bytes.length + 10);
    buf.set(open.bytes, 5);
    book.ingest(buf.subarray(5, 5 + open.bytes.length)); // a view with a byte offset
    buf.fill(0xee);
    buf.set(j.bytes.subarray(0, 10), 5);
    expect(book.status(open.idHex)).toBe('valid');
    expect(toHex(book.entry(open.idHex)!.bytes)).toBe(toHex(open.bytes));
    expect(entryResult(book.ingest(j.bytes)).status).toBe('valid');
    expect(toHex(book.stateBytes())).toBe(toHex(src.stateBytes()));
  });
});

describe('book: batch ingest agrees with ingest', () => {
  it('same results and state, including a forged copy and the genuine entry in one batch', async () => {
    const { book: src, open } = newBook(A, 'approve');
    const j = append(src, B, bh, 'member/join', { name: 'B' }, T0 + 1);
    const n = append(src, B, bh, 'note', { text: 'held until admitted' }, T0 + 2);
    const adm = append(src, A, ah, 'member/admit', { member: B.publicKey }, T0 + 3);
    const forged = Uint8Array.from(n.bytes);
    forged[forged.length - 1]! ^= 1;
    const inputs = [n.bytes, forged, j.bytes, open.bytes, forged, adm.bytes, j.bytes, Uint8Array.of(0xf6)];
    const one = new Book(src.id);
    const singly = inputs.map((x) => one.ingest(x));
    const batched = new Book(src.id);
    const results = await ingestBatch(batched, inputs);
    expect(results).toEqual(singly);
    expect(toHex(batched.stateBytes())).toBe(toHex(one.stateBytes()));
    expect(toHex(batched.stateBytes())).toBe(toHex(src.stateBytes()));
  });
});

describe('book: a tricky set of entries gives one state in every arrival order', () => {
  it('approve policy, entries linking pending and rejected entries, a non-admin admit, a fork: 300 seeded shuffles', () => {
    const E = key(5);
    const { book, open } = newBook(A, 'approve');
    const all: ParsedEntry[] = [open];
    const ap = (k: KeyPair, kind: string, body: Record<string, string | Uint8Array>, t: number) => {
      const p = append(book, k, hexOf(k), kind, body, t);
      all.push(p);
      return p;
    };
    const sg = (k: KeyPair, d: Omit<EntryDraft, 'book'>) => {
      const p = sign(k, book, d);
      all.push(p);
      book.ingest(p.bytes);
      return p;
    };
    const jb = ap(B, 'member/join', { name: 'B' }, T0 + 1);
    const jc = ap(C, 'member/join', { name: 'C' }, T0 + 2);
    ap(E, 'member/join', { name: 'E' }, T0 + 2);
    const nb = ap(B, 'note', { text: 'pending until B is admitted' }, T0 + 3);
    const ne = ap(E, 'note', { text: 'E is never admitted' }, T0 + 3);
    const badE = ap(E, 'member/admit', { member: D.publicKey }, T0 + 4);
    const admC = sg(A, { seq: 2, prev: open.id, links: [jc.id], time: T0 + 4, kind: 'member/admit', body: { member: C.publicKey } });
    const nc = sg(C, { seq: 2, prev: jc.id, links: [nb.id, ne.id].sort(compareBytes), time: T0 + 5, kind: 'note', body: { text: 'links two pending notes' } });
    const nc2 = sg(C, { seq: 3, prev: nc.id, links: [badE.id], time: T0 + 5, kind: 'note', body: { text: 'links a rejected admit' } });
    const admB = sg(A, { seq: 3, prev: admC.id, links: [nb.id], time: T0 + 6, kind: 'member/admit', body: { member: B.publicKey } });
    const nb2 = ap(B, 'note', { text: 'after admission' }, T0 + 8);
    const badB = ap(B, 'member/admit', { member: E.publicKey }, T0 + 9);
    const fork = sg(C, { seq: 3, prev: nc.id, links: [], time: T0 + 6, kind: 'note', body: { text: 'the other seq 3' } });
    const verdicts = (b: Book) =>
      [jb, nb, ne, badE, admC, nc, nc2, admB, nb2, badB, fork].map((p) => `${b.status(p.idHex)}:${b.errorOf(p.idHex)?.reason ?? ''}`);
    expect(verdicts(book)).toEqual([
      'valid:',
      'valid:',
      'held:permission', // awaiting an admission that never comes
      'rejected:permission',
      'valid:',
      'valid:',
      'frozen:fork',
      'valid:',
      'valid:',
      'rejected:permission',
      'frozen:fork',
    ]);
    const want = toHex(book.stateBytes());
    expectRebuildSame(book);
    let seed = 42;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    for (let trial = 0; trial < 300; trial++) {
      const order = all.map((p) => p.bytes);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rand(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const b = new Book(book.id);
      for (const x of order) b.ingestVerified(x);
      expect(toHex(b.stateBytes()), `shuffle ${trial}`).toBe(want);
    }
  });
});
