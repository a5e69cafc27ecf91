/**
 * The hostile peer of the adversarial simulations (DESIGN section 7, "Hostile peers"). It is a
 * member of the book (it joins and writes ordinary entries, so honest members link to them), and
 * at random steps it:
 * - forks its own chain: two (sometimes three) different entries at its next seq, each sent to
 *   different honest peers, or a rewrite of an older position of its chain;
 * - re-signs one of its entries with another valid signature (same id, other bytes);
 * - replays entries of another book (where honest villagers, the founder included, wrote at the
 *   same seqs), and old entries of this one;
 * - sends garbage (random, truncated, bit-flipped, oversized, trailing bytes) and forgeries
 *   (entries claiming an honest author, a forged fork of an honest chain, a forged founder admit);
 * - makes throwaway keys (sybils) that sign rule-breaking entries: non-member notes, backwards
 *   time, links to their own or to rejected entries, unknown kinds, dangling links, foreign prev.
 *
 * It records every signature-valid entry of this book it sent, by seat (author, seq), so the
 * simulation knows which fork proofs every honest replica must end up holding.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  compareBytes,
  concatBytes,
  decodeEntry,
  encodeCbor,
  encodeEntry,
  encodeSignedEntry,
  entryId,
  fromHex,
  keyPairFromSeed,
  nextDraft,
  signBytes,
  toHex,
  type EntryDraft,
  type KeyPair,
  type ParsedEntry,
} from '../../src/core/index.js';
import type { Network } from './network.js';
import type { Prng } from './prng.js';
import type { Replica } from './replica.js';

/** Group order of Ed25519 (RFC 8032 section 5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function leToBigint(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

function bigintToLe(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/**
 * Signs a draft without the context-free checks of `signEntry`, so rule-breaking entries (unknown
 * kinds, too many links) can be made too. The result is parsed as far as the encoding allows.
 */
export function rawSign(key: KeyPair, d: EntryDraft): ParsedEntry {
  const entryBytes = encodeEntry(key.publicKey, d);
  const id = entryId(entryBytes);
  const sig = signBytes(id, key.secret);
  const bytes = encodeSignedEntry(entryBytes, sig);
  return { bytes, entryBytes, sig, id, idHex: toHex(id), authorHex: toHex(key.publicKey), entry: decodeEntry(entryBytes) };
}

/**
 * A second valid Ed25519 signature of `msg` by `secret`, with a nonce from `rng` instead of the
 * deterministic one of RFC 8032 (section 5.1.6 step 2): R = rB, S = r + H(R‖A‖M)·a mod L. It passes
 * the strict rule, yet its bytes differ from `signBytes`: the same entry id with other signed bytes.
 */
export function altSignature(msg: Uint8Array, secret: Uint8Array, rng: Prng): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(secret);
  const r = (leToBigint(rng.bytes(64)) % (L - 1n)) + 1n;
  const R = ed25519.Point.BASE.multiply(r).toBytes();
  const k = leToBigint(sha512(concatBytes(R, pointBytes, msg))) % L;
  const S = (r + k * scalar) % L;
  return concatBytes(R, bigintToLe(S, 32));
}

export interface AdversaryStats {
  forks: number;
  historyForks: number;
  altSigs: number;
  replays: number;
  garbage: number;
  forgeries: number;
  sybilEntries: number;
  normal: number;
}

export class Adversary {
  /** Seat `author:seq` → ids of the signature-valid entries of this book sent there. */
  readonly seats = new Map<string, Set<string>>();
  /** Every signature-valid entry of this book it sent, by id. */
  readonly created = new Map<string, ParsedEntry>();
  /** Smallest signed bytes sent per id (several when re-signed): what every replica must store. */
  readonly smallestBytes = new Map<string, Uint8Array>();
  /** Keys of the entries it can re-sign. */
  private readonly secretOf = new Map<string, KeyPair>();
  /** Rejected-on-arrival sybil entries, to be linked by later ones. */
  private readonly rejectedIds: Uint8Array[] = [];
  readonly stats: AdversaryStats = { forks: 0, historyForks: 0, altSigs: 0, replays: 0, garbage: 0, forgeries: 0, sybilEntries: 0, normal: 0 };

  constructor(
    private readonly me: Replica,
    private readonly rng: Prng,
    private readonly net: Network,
    /** Indexes of the honest replicas. */
    private readonly honest: readonly number[],
    /** The honest replicas' public keys (hex), the founder's first. */
    private readonly honestKeys: readonly string[],
    /** Signed entries of another book, where honest villagers wrote too. */
    private readonly otherBook: readonly Uint8Array[],
  ) {}

  private get bookId(): Uint8Array {
    return this.me.bookId;
  }

  /** Sends to a random non-empty subset of honest replicas (or the given ones). */
  private sendTo(bytes: Uint8Array, to?: readonly number[]): void {
    let targets = to ?? this.rng.subset(this.honest, 0.5);
    if (targets.length === 0) targets = [this.rng.pick(this.honest)];
    for (const t of targets) this.net.send(this.me.index, t, [bytes]);
  }

  /** Records a signature-valid entry of this book that is about to be sent. */
  private record(p: ParsedEntry, key: KeyPair): void {
    const seat = `${p.authorHex}:${p.entry.seq}`;
    let ids = this.seats.get(seat);
    if (ids === undefined) this.seats.set(seat, (ids = new Set()));
    ids.add(p.idHex);
    this.created.set(p.idHex, p);
    this.secretOf.set(p.idHex, key);
    const prevSmallest = this.smallestBytes.get(p.idHex);
    if (prevSmallest === undefined || compareBytes(p.bytes, prevSmallest) < 0) this.smallestBytes.set(p.idHex, p.bytes);
  }

  /** Seats where it signed two or more different entries: the fork proofs honest replicas must hold. */
  expectedForks(): { author: string; seq: number; ids: [string, string] }[] {
    const out: { author: string; seq: number; ids: [string, string] }[] = [];
    for (const [seat, ids] of this.seats) {
      if (ids.size < 2) continue;
      const [author, seq] = seat.split(':') as [string, string];
      const sorted = [...ids].sort();
      out.push({ author, seq: Number(seq), ids: [sorted[0]!, sorted[1]!] });
    }
    return out.sort((x, y) => (x.author < y.author ? -1 : x.author > y.author ? 1 : x.seq - y.seq));
  }

  /** Lowest forked seq per author. */
  frozenFrom(): Map<string, number> {
    const m = new Map<string, number>();
    for (const f of this.expectedForks()) {
      const cur = m.get(f.author);
      if (cur === undefined || f.seq < cur) m.set(f.author, f.seq);
    }
    return m;
  }

  private text(tag: string): string {
    return `${tag} ${this.rng.next().toString(36)}`;
  }

  /** One hostile (or camouflage) action at simulated time `t`. */
  act(t: number): void {
    if (!this.me.joined) {
      this.writeNormal('member/join', { name: 'Mallory' }, t);
      return;
    }
    const action = this.rng.weighted({
      normal: 5,
      fork: this.stats.forks < 2 ? 1.2 : 0.1,
      historyFork: 0.5,
      altSig: 0.8,
      replay: 1,
      garbage: 1.5,
      forge: 1.5,
      sybil: 2,
    });
    switch (action) {
      case 'normal':
        this.writeNormal('note', { text: this.text('hello from Mallory') }, t);
        break;
      case 'fork':
        this.forkNow(t);
        break;
      case 'historyFork':
        this.forkHistory(t);
        break;
      case 'altSig':
        this.resign();
        break;
      case 'replay':
        this.replay();
        break;
      case 'garbage':
        this.garbage();
        break;
      case 'forge':
        this.forge(t);
        break;
      case 'sybil':
        this.sybil(t);
        break;
    }
  }

  private writeNormal(kind: string, body: Record<string, string>, t: number): void {
    const p = this.me.write(kind, body, t);
    this.record(p, this.me.key);
    this.stats.normal++;
    this.sendTo(p.bytes, this.rng.chance(0.7) ? this.honest : undefined);
  }

  /** Two or three different entries at its next seq, each to a different group of honest peers. */
  private forkNow(t: number): void {
    const d = nextDraft(this.me.book, this.me.authorHex, 'note', { text: this.text('I pay you 100 (A)') }, t);
    const variants: EntryDraft[] = [d, { ...d, body: { text: this.text('I pay you 1 (B)') } }];
    if (this.rng.chance(0.25)) variants.push({ ...d, links: [], body: { text: this.text('never mind (C)') } });
    const signed = variants.map((v) => rawSign(this.me.key, v));
    // It carries on from the first side in its own book, so its later entries follow that one.
    this.me.book.ingestVerified(signed[0]!.bytes);
    this.me.recordWritten(signed[0]!);
    const order = this.rng.shuffled(this.honest);
    const cut = 1 + this.rng.int(Math.max(1, order.length - 1));
    signed.forEach((p, i) => {
      this.record(p, this.me.key);
      const group = i === 0 ? order.slice(0, cut) : i === 1 ? order.slice(cut) : [this.rng.pick(order)];
      this.sendTo(p.bytes, group.length > 0 ? group : [this.rng.pick(order)]);
    });
    this.stats.forks++;
  }

  /** Rewrites an older position of its own chain (a different entry at a seq it already used). */
  private forkHistory(t: number): void {
    const chain = this.me.written;
    const seq = 1 + this.rng.int(chain.length);
    let p: ParsedEntry;
    if (seq === 1) {
      p = rawSign(this.me.key, { book: this.bookId, seq: 1, links: [], time: t, kind: 'member/join', body: { name: this.text('Mallory') } });
    } else {
      const prev = chain[seq - 2]!;
      p = rawSign(this.me.key, { book: this.bookId, seq, prev: prev.id, links: [], time: prev.entry.time + this.rng.int(5000), kind: 'note', body: { text: this.text('rewritten history') } });
    }
    this.record(p, this.me.key);
    this.sendTo(p.bytes);
    this.stats.historyForks++;
  }

  /** The same entry (same id) with another valid signature. */
  private resign(): void {
    const ids = [...this.created.keys()];
    if (ids.length === 0) return;
    const p = this.created.get(this.rng.pick(ids))!;
    const key = this.secretOf.get(p.idHex)!;
    const bytes = encodeSignedEntry(p.entryBytes, altSignature(p.id, key.secret, this.rng));
    const q: ParsedEntry = { ...p, bytes, sig: bytes.subarray(bytes.length - 64) };
    this.record(q, key);
    this.sendTo(bytes);
    this.stats.altSigs++;
  }

  private replay(): void {
    const n = 1 + this.rng.int(3);
    for (let i = 0; i < n; i++) {
      if (this.otherBook.length > 0 && this.rng.chance(0.7)) {
        this.sendTo(this.rng.pick(this.otherBook));
      } else {
        const mine = this.me.book.signedEntries();
        if (mine.length > 0) this.sendTo(this.rng.pick(mine));
      }
      this.stats.replays++;
    }
  }

  /** A signed entry of the book picked at random (any author), or null. */
  private someEntry(): Uint8Array | null {
    const all = this.me.book.signedEntries();
    return all.length === 0 ? null : this.rng.pick(all);
  }

  private garbage(): void {
    const e = this.someEntry();
    let bytes: Uint8Array;
    switch (this.rng.int(7)) {
      case 0:
        bytes = this.rng.bytes(this.rng.int(200));
        break;
      case 1:
        bytes = e === null ? new Uint8Array() : e.subarray(0, this.rng.int(e.length));
        break;
      case 2:
        bytes = e === null ? new Uint8Array([0x82]) : concatBytes(e, this.rng.bytes(1 + this.rng.int(4)));
        break;
      case 3: {
        bytes = Uint8Array.from(e ?? this.rng.bytes(100));
        const bit = this.rng.int(bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        break;
      }
      case 4:
        bytes = this.rng.bytes(8193 + this.rng.int(2000));
        break;
      case 5: {
        // A well-formed, correctly signed entry that is too large: 2000 four-byte characters.
        const d = nextDraft(this.me.book, this.me.authorHex, 'note', { text: '😀'.repeat(2000) }, 0);
        const entryBytes = encodeEntry(this.me.key.publicKey, d);
        bytes = encodeSignedEntry(entryBytes, signBytes(entryId(entryBytes), this.me.key.secret));
        break;
      }
      default:
        bytes = this.rng.chance(0.5) ? encodeCbor([e ?? new Uint8Array(3)]) : encodeCbor({ entry: e ?? new Uint8Array(3), sig: new Uint8Array(64) });
    }
    this.sendTo(bytes);
    this.stats.garbage++;
  }

  /** Entries claiming an honest author, signed with the wrong key. */
  private forge(t: number): void {
    const victim = this.rng.pick(this.honestKeys);
    const victimKey = fromHex(victim);
    let bytes: Uint8Array;
    switch (this.rng.int(5)) {
      case 0: {
        // A real entry with a damaged signature.
        const e = this.someEntry();
        if (e === null) return;
        bytes = Uint8Array.from(e);
        bytes[bytes.length - 1 - this.rng.int(64)]! ^= 1 << this.rng.int(8);
        break;
      }
      case 1: {
        // A forged fork of the victim's chain: another entry at a seq the victim already used.
        const tip = this.me.book.chainTip(victim);
        if (tip === null) return;
        const e = tip.entry;
        const first = e.seq === 1;
        const d: EntryDraft = {
          book: this.bookId,
          seq: e.seq,
          ...(e.prev === undefined ? {} : { prev: e.prev }),
          links: [...e.links],
          time: e.time,
          kind: first ? 'member/join' : 'note',
          body: first ? { name: this.text('forged') } : { text: this.text('forged') },
        };
        bytes = this.forgeAs(victimKey, d);
        break;
      }
      case 2: {
        // A forged continuation of the victim's chain.
        const d = nextDraft(this.me.book, victim, 'note', { text: this.text('I owe Mallory everything') }, t);
        bytes = this.forgeAs(victimKey, d);
        break;
      }
      case 3: {
        // A forged founder admit (privilege escalation).
        const founder = this.honestKeys[0]!;
        const d = nextDraft(this.me.book, founder, 'member/admit', { member: this.me.key.publicKey }, t);
        bytes = this.forgeAs(fromHex(founder), d);
        break;
      }
      default: {
        const d = nextDraft(this.me.book, victim, 'note', { text: this.text('random signature') }, t);
        bytes = encodeSignedEntry(encodeEntry(victimKey, d), this.rng.bytes(64));
      }
    }
    this.sendTo(bytes);
    this.stats.forgeries++;
  }

  private forgeAs(author: Uint8Array, d: EntryDraft): Uint8Array {
    const entryBytes = encodeEntry(author, d);
    return encodeSignedEntry(entryBytes, signBytes(entryId(entryBytes), this.me.key.secret));
  }

  /** A throwaway key signing rule-breaking (but correctly signed) entries. */
  private sybil(t: number): void {
    const key = keyPairFromSeed(this.rng.bytes(32));
    const bookId = this.bookId;
    const sign = (d: EntryDraft): ParsedEntry => {
      const p = rawSign(key, d);
      this.record(p, key);
      this.stats.sybilEntries++;
      return p;
    };
    const heads = this.me.book.headList().map((h) => fromHex(h.id));
    const someLinks = this.rng.subset(heads, 0.3).sort(compareBytes);
    const join = (): ParsedEntry => sign({ book: bookId, seq: 1, links: someLinks, time: t, kind: 'member/join', body: { name: this.text('sybil') } });
    const out: ParsedEntry[] = [];
    switch (this.rng.int(9)) {
      case 0: {
        // Not a member: its first entry is a note.
        const p = sign({ book: bookId, seq: 1, links: someLinks, time: t, kind: 'note', body: { text: 'not a member' } });
        this.rejectedIds.push(p.id);
        out.push(p);
        break;
      }
      case 1: {
        const j = join();
        const p = sign({ book: bookId, seq: 2, prev: j.id, links: [], time: Math.max(0, t - 1 - this.rng.int(5000)), kind: 'note', body: { text: 'back in time' } });
        this.rejectedIds.push(p.id);
        out.push(j, p);
        break;
      }
      case 2: {
        // Not an admin, yet admits someone.
        const j = join();
        out.push(j, sign({ book: bookId, seq: 2, prev: j.id, links: [], time: t, kind: 'member/admit', body: { member: key.publicKey } }));
        break;
      }
      case 3: {
        // Links to its own older entry.
        const j = join();
        const n = sign({ book: bookId, seq: 2, prev: j.id, links: [], time: t, kind: 'note', body: { text: 'two' } });
        const p = sign({ book: bookId, seq: 3, prev: n.id, links: [j.id], time: t, kind: 'note', body: { text: 'self link' } });
        this.rejectedIds.push(p.id);
        out.push(j, n, p);
        break;
      }
      case 4: {
        const j = join();
        out.push(j, sign({ book: bookId, seq: 2, prev: j.id, links: [], time: t, kind: 'loan/magic', body: {} }));
        break;
      }
      case 5: {
        // A link to an entry nobody has: held for ever.
        const j = join();
        out.push(j, sign({ book: bookId, seq: 2, prev: j.id, links: [this.rng.bytes(32)], time: t, kind: 'note', body: { text: 'dangling' } }));
        break;
      }
      case 6: {
        // prev is somebody else's entry.
        const other = this.someEntryOf((a) => a !== toHex(key.publicKey));
        if (other === null) return;
        out.push(sign({ book: bookId, seq: other.entry.seq + 1, prev: other.id, links: [], time: t, kind: 'note', body: { text: 'foreign prev' } }));
        break;
      }
      case 7: {
        // A link to a rejected entry.
        if (this.rejectedIds.length === 0) return;
        const j = join();
        out.push(j, sign({ book: bookId, seq: 2, prev: j.id, links: [this.rng.pick(this.rejectedIds)], time: t, kind: 'note', body: { text: 'bad link' } }));
        break;
      }
      default: {
        // Seventeen links.
        const links = Array.from({ length: 17 }, () => this.rng.bytes(32)).sort(compareBytes);
        out.push(sign({ book: bookId, seq: 1, links, time: t, kind: 'member/join', body: { name: 'many links' } }));
      }
    }
    for (const p of this.rng.shuffled(out)) this.sendTo(p.bytes);
  }

  private someEntryOf(pred: (authorHex: string) => boolean): ParsedEntry | null {
    const candidates = [...this.me.book.entries()].filter((e) => pred(e.entry.authorHex) && e.status === 'valid');
    return candidates.length === 0 ? null : this.rng.pick(candidates).entry;
  }
}
