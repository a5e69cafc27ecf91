/**
 * A fast-check generator of books for the property tests: a *script* (arbitrary, shrinkable) of
 * what a few authors do, and a deterministic builder that turns it into the set of signed inputs
 * a replica could receive.
 *
 * Each author writes from its own view of the book (so links and causal pasts differ between
 * authors until they sync). Besides ordinary joins, notes and admissions (under both join
 * policies), every book contains a forged signature, a non-member's note and an entry whose time
 * runs backwards; scripts may add forks, forged forks (bad signature at a used seq), non-admin
 * admits, dangling links, links to rejected entries, entries replayed from another book and
 * entries re-signed with another valid signature (same id, other bytes).
 */
import fc from 'fast-check';
import {
  append,
  Book,
  compareBytes,
  encodeEntry,
  encodeSignedEntry,
  entryId,
  keyPairFromSeed,
  nextDraft,
  openBook,
  signBytes,
  toHex,
  type EntryDraft,
  type JoinPolicy,
  type KeyPair,
  type ParsedEntry,
} from '../../src/core/index.js';
import { altSignature, rawSign } from '../sim/adversary.js';
import { Prng } from '../sim/prng.js';

export const MAX_AUTHORS = 5;
const key = (n: number): KeyPair => keyPairFromSeed(new Uint8Array(32).fill(n));
/** Member keys (0 is the founder) and outsiders who never join. Fixed, so key generation is paid once. */
const KEYS = Array.from({ length: MAX_AUTHORS }, (_, i) => key(i + 1));
const OUTSIDERS = [key(101), key(102)];
const hexOf = (k: KeyPair): string => toHex(k.publicKey);
const T0 = 1_700_000_000_000;

/** Another book where the same people wrote, at the same seqs (replay material). */
const OTHER_BOOK: readonly Uint8Array[] = (() => {
  const open = openBook(KEYS[0]!, { name: 'Other book', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: 'Founder' }, T0 - 1e6);
  const b = new Book(open.id);
  b.ingestVerified(open.bytes);
  const out = [open.bytes];
  for (let i = 1; i < 4; i++) {
    out.push(append(b, KEYS[i]!, hexOf(KEYS[i]!), 'member/join', { name: `other ${i}` }, T0 - 1e6 + i).bytes);
    out.push(append(b, KEYS[i]!, hexOf(KEYS[i]!), 'note', { text: `elsewhere ${i}` }, T0 - 1e6 + 10 + i).bytes);
  }
  out.push(append(b, KEYS[0]!, hexOf(KEYS[0]!), 'note', { text: 'founder elsewhere' }, T0 - 1e6 + 100).bytes);
  return out;
})();

export type BadKind =
  | 'forged'
  | 'forged-fork'
  | 'nonmember'
  | 'backwards'
  | 'fork'
  | 'nonadmin-admit'
  | 'dangling'
  | 'other-book'
  | 'alt-sig'
  | 'link-rejected';

export type Op =
  | { readonly t: 'note'; readonly a: number; readonly dt: number }
  | { readonly t: 'join'; readonly a: number; readonly dt: number }
  | { readonly t: 'admit'; readonly target: number; readonly dt: number }
  | { readonly t: 'sync'; readonly a: number; readonly from: number }
  | { readonly t: 'bad'; readonly what: BadKind; readonly a: number; readonly keep: boolean; readonly pick: number; readonly dt: number };

export interface BookScript {
  readonly policy: JoinPolicy;
  readonly authors: number;
  readonly ops: readonly Op[];
  /** Where the mandatory forged signature, non-member note, backwards time (and, under approve, an admission) go. */
  readonly mandatory: readonly [number, number, number, number];
  readonly mandatoryAuthor: number;
}

const author = fc.nat({ max: MAX_AUTHORS - 1 });
const dt = fc.integer({ min: -3000, max: 20_000 });
const badKinds: BadKind[] = ['forged', 'forged-fork', 'nonmember', 'backwards', 'fork', 'nonadmin-admit', 'dangling', 'other-book', 'alt-sig', 'link-rejected'];

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant('note' as const), a: author, dt }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('join' as const), a: author, dt }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('admit' as const), target: author, dt }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('sync' as const), a: author, from: author }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('bad' as const), what: fc.constantFrom(...badKinds), a: author, keep: fc.boolean(), pick: fc.nat(), dt }),
  },
);

export const scriptArb: fc.Arbitrary<BookScript> = fc.record({
  policy: fc.constantFrom<JoinPolicy>('open', 'approve'),
  authors: fc.integer({ min: 2, max: MAX_AUTHORS }),
  ops: fc.array(opArb, { minLength: 3, maxLength: 26 }),
  mandatory: fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()),
  mandatoryAuthor: author,
});

export interface BuiltBook {
  readonly bookId: Uint8Array;
  readonly policy: JoinPolicy;
  /** Every input, in the order the authors produced them (signed entries, forgeries, replays). */
  readonly inputs: readonly Uint8Array[];
}

/** The ops with the mandatory invalid ones inserted at their positions. */
function withMandatory(s: BookScript): Op[] {
  const ops = [...s.ops];
  const a = s.mandatoryAuthor;
  const extra: [number, Op][] = [
    [s.mandatory[0], { t: 'bad', what: 'forged', a, keep: false, pick: s.mandatory[0], dt: 1 }],
    [s.mandatory[1], { t: 'bad', what: 'nonmember', a, keep: false, pick: s.mandatory[1], dt: 1 }],
    [s.mandatory[2], { t: 'bad', what: 'backwards', a, keep: true, pick: s.mandatory[2], dt: 1 }],
  ];
  if (s.policy === 'approve') extra.push([s.mandatory[3], { t: 'admit', target: 1, dt: 1 }]);
  for (const [pos, op] of extra) ops.splice(pos % (ops.length + 1), 0, op);
  return ops;
}

/** Builds the inputs a script describes. Deterministic. */
export function buildBook(s: BookScript): BuiltBook {
  const n = Math.min(Math.max(s.authors, 2), MAX_AUTHORS);
  const keys = KEYS.slice(0, n);
  const hex = keys.map(hexOf);
  let t = T0;
  const open = openBook(keys[0]!, { name: 'Property book', units: [{ code: 'CNY', decimals: 2 }, { code: 'eggs', decimals: 0 }], join: s.policy, founder: 'Founder' }, t);
  const bookId = open.id;
  // Each author's own view; the author trusts what it signed and what it synced (already checked).
  const views = keys.map(() => new Book(bookId, () => true));
  views[0]!.ingestVerified(open.bytes);
  const inputs: Uint8Array[] = [open.bytes];
  /** Entries signed with a key we hold, for re-signing and forging. */
  const signed: { p: ParsedEntry; key: KeyPair }[] = [{ p: open, key: keys[0]! }];
  const rejectedIds: Uint8Array[] = [];
  const joined = new Set<number>([0]);
  let counter = 0;

  const emit = (p: ParsedEntry, k: KeyPair): void => {
    inputs.push(p.bytes);
    signed.push({ p, key: k });
  };
  const write = (a: number, kind: string, body: Record<string, string | Uint8Array>): ParsedEntry => {
    const p = append(views[a]!, keys[a]!, hex[a]!, kind, body, t);
    emit(p, keys[a]!);
    return p;
  };
  const ensureJoined = (a: number): void => {
    if (joined.has(a)) return;
    write(a, 'member/join', { name: `member ${a}` });
    joined.add(a);
  };
  const draft = (a: number, text: string): EntryDraft => nextDraft(views[a]!, hex[a]!, 'note', { text }, t);
  const signOwn = (a: number, d: EntryDraft, keep: boolean): ParsedEntry => {
    const p = rawSign(keys[a]!, d);
    emit(p, keys[a]!);
    if (keep) views[a]!.ingestVerified(p.bytes);
    return p;
  };

  for (const op of withMandatory(s)) {
    if (op.t !== 'sync') t = Math.max(0, t + op.dt);
    const text = `note ${++counter}`;
    switch (op.t) {
      case 'note':
      case 'join': {
        const a = op.a % n;
        if (!joined.has(a)) ensureJoined(a);
        else write(a, 'note', { text });
        break;
      }
      case 'admit':
        write(0, 'member/admit', { member: keys[op.target % n]!.publicKey });
        break;
      case 'sync': {
        const a = op.a % n;
        const from = op.from % n;
        if (a !== from) for (const b of views[from]!.signedEntries()) views[a]!.ingestVerified(b);
        break;
      }
      case 'bad': {
        const a = op.a % n;
        switch (op.what) {
          case 'forged': {
            // A real entry with one bit of its signature flipped.
            const bytes = Uint8Array.from(signed[op.pick % signed.length]!.p.bytes);
            const bit = op.pick % (64 * 8);
            bytes[bytes.length - 64 + (bit >> 3)]! ^= 1 << (bit & 7);
            inputs.push(bytes);
            break;
          }
          case 'forged-fork': {
            // Another entry at a seq the author already used, signed by somebody else.
            const tip = views[a]!.chainTip(hex[a]!);
            if (tip === null) break;
            const e = tip.entry;
            const d: EntryDraft = {
              ...(e.book === undefined ? { book: bookId } : { book: e.book }),
              seq: e.seq,
              ...(e.prev === undefined ? {} : { prev: e.prev }),
              links: e.links,
              time: e.time,
              kind: 'note',
              body: { text: 'forged fork' },
            };
            const entryBytes = encodeEntry(keys[a]!.publicKey, d);
            inputs.push(encodeSignedEntry(entryBytes, signBytes(entryId(entryBytes), OUTSIDERS[0]!.secret)));
            break;
          }
          case 'nonmember': {
            // An outsider writes (seq 1 is a note, not a join); a's view relays it.
            const o = OUTSIDERS[op.pick % OUTSIDERS.length]!;
            const p = append(views[a]!, o, hexOf(o), 'note', { text: 'not a member' }, t);
            emit(p, o);
            rejectedIds.push(p.id);
            break;
          }
          case 'backwards': {
            ensureJoined(a);
            const d = draft(a, text);
            const prevTime = views[a]!.chainTip(hex[a]!)!.entry.time;
            // Kept: the author's later entries follow it (and fail the chain); not kept: its next entry forks the seat.
            const p = signOwn(a, { ...d, time: Math.max(0, prevTime - 1 - (op.pick % 5000)) }, op.keep);
            if (prevTime > 0) rejectedIds.push(p.id);
            break;
          }
          case 'fork': {
            ensureJoined(a);
            const d = draft(a, `${text} A`);
            signOwn(a, d, true);
            signOwn(a, { ...d, body: { text: `${text} B` } }, false);
            break;
          }
          case 'nonadmin-admit': {
            const b = a === 0 ? 1 : a;
            ensureJoined(b);
            write(b, 'member/admit', { member: keys[op.pick % n]!.publicKey });
            break;
          }
          case 'dangling': {
            ensureJoined(a);
            const d = draft(a, text);
            const missing = new Prng(op.pick).bytes(32);
            signOwn(a, { ...d, links: [...d.links.slice(0, 15), missing].sort(compareBytes) }, op.keep);
            break;
          }
          case 'other-book':
            inputs.push(OTHER_BOOK[op.pick % OTHER_BOOK.length]!);
            break;
          case 'alt-sig': {
            const { p, key: k } = signed[op.pick % signed.length]!;
            inputs.push(encodeSignedEntry(p.entryBytes, altSignature(p.id, k.secret, new Prng(op.pick))));
            break;
          }
          case 'link-rejected': {
            if (rejectedIds.length === 0) break;
            ensureJoined(a);
            const d = draft(a, text);
            const target = rejectedIds[op.pick % rejectedIds.length]!;
            const links = [...d.links.filter((l) => compareBytes(l, target) !== 0).slice(0, 15), target].sort(compareBytes);
            const p = signOwn(a, { ...d, links }, op.keep);
            rejectedIds.push(p.id);
            break;
          }
        }
        break;
      }
    }
  }
  return { bookId, policy: s.policy, inputs };
}

/** The shape of a built book, for the coverage check. */
export function describeScript(s: BookScript): string {
  return `${s.policy}, ${s.authors} authors, ${s.ops.length} ops: ${s.ops.map((o) => (o.t === 'bad' ? o.what : o.t)).join(' ')}`;
}
