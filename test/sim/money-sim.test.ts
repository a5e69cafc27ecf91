/**
 * Seeded multi-replica simulation of the money layer: 5–7 villagers write loans, payments,
 * expenses, repayments, fund deposits, confirms, disputes and reversals from their own copies of
 * the book while the network delivers in random order, with duplicates and drops (retried); one or
 * two of the villagers are hostile. They:
 * - record loans, payments, expenses, fund loans and fines that put OTHER members into debt
 *   without those members' signature;
 * - reverse and dispute entries they are not a party to, and confirm other members' pending
 *   entries (their own signature, which must not count for the member the entry waits for);
 * - dispute entries they wrote themselves (valid, and changes nothing: authoring is final);
 * - forge confirms in an honest member's name (signed with their own key: not a valid entry);
 * - when their chain breaks (a rejected entry), carry on with a fresh key (a new member).
 *
 * Checked in every replica, during the run and after convergence:
 * - no honest member's balance is lowered by a counted entry they did not sign, or by a reversal
 *   they did not sign — judged from the simulation's own log of what each honest member wrote
 *   (authored entries, their confirm or dispute per entry: a confirm is final, and so is authoring),
 *   not from the book's bookkeeping;
 * - balances over all accounts sum to zero per unit;
 * - no fund's cash goes below zero (its `fund:` account never positive);
 * and after convergence: identical stateBytes() everywhere; every money entry's status and every
 * balance equal an independent reference evaluation of the consent rules over the set of valid
 * entries; hostile entries get the expected verdict (`permission` for judging what is not theirs).
 *
 *   SIM_SEEDS=1000 npx vitest run test/sim/money-sim.test.ts   # more seeds (default 100)
 *   SIM_FROM=5000  npx vitest run test/sim/money-sim.test.ts   # another range (default from 1)
 *   SIM_SEED=1234  npx vitest run test/sim/money-sim.test.ts   # repeat one seed
 */
import { describe, expect, test } from 'vitest';
import {
  append,
  Book,
  encodeEntry,
  encodeSignedEntry,
  entryId,
  equalBytes,
  fromHex,
  inbox,
  keyPairFromSeed,
  nextDraft,
  openBook,
  readMoneyBody,
  signBytes,
  signEntry,
  splitByWeights,
  toHex,
  type CborInput,
  type KeyPair,
  type MoneyBody,
  type ParsedEntry,
} from '../../src/core/index.js';
import { Network } from './network.js';
import { Prng } from './prng.js';
import { SignatureMemo } from './replica.js';

const TEST_FILE = 'test/sim/money-sim.test.ts';
const T0 = 1_700_000_000_000;
const UNIT = 'CNY';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not "${raw}"`);
  return n;
}

const single = process.env.SIM_SEED !== undefined && process.env.SIM_SEED.trim() !== '';
const seeds = single ? [envInt('SIM_SEED', 0)] : Array.from({ length: envInt('SIM_SEEDS', 100) }, (_, i) => envInt('SIM_FROM', 1) + i);

// Keys are fixed (key generation is paid once per file); the seed decides who does what.
const keyCache = new Map<number, KeyPair>();
/** Key number `n`: the seed is 32 bytes of 0x5a with `n` in the first two. */
function keyOf(n: number): KeyPair {
  let k = keyCache.get(n);
  if (k === undefined) {
    const seed = new Uint8Array(32).fill(0x5a);
    seed[0] = n & 0xff;
    seed[1] = n >> 8;
    keyCache.set(n, (k = keyPairFromSeed(seed)));
  }
  return k;
}
const MEMBER_SEED = 0; // members: 0, 1, … (0 is the founder)
const SPARE_SEED = 1000; // fresh keys of hostile members: 1000 + (seed mod 64) · 256 + i

interface Config {
  readonly seed: number;
  readonly replicas: number;
  readonly adversaries: number;
  readonly steps: number;
  readonly duplicate: number;
  readonly drop: number;
}

function configOf(seed: number): Config {
  const r = new Prng(seed ^ 0x5eed);
  return { seed, replicas: r.range(5, 7), adversaries: r.range(1, 2), steps: r.range(120, 220), duplicate: r.pick([0, 0.1, 0.3]), drop: r.pick([0, 0.05, 0.15]) };
}

function describeConfig(c: Config): string {
  return `${c.replicas} replicas, ${c.adversaries} hostile, ${c.steps} steps, dup ${c.duplicate}, drop ${c.drop}`;
}

type Body = { readonly [key: string]: CborInput | undefined };

/** What one honest member signed, as the simulation saw them write it. */
interface HonestLog {
  readonly authored: Set<string>;
  /** Entries they ever confirmed. */
  readonly confirmed: Set<string>;
  /** entry id → latest stance (they write in order, and never dispute what they confirmed or wrote: both are final). */
  readonly stance: Map<string, 'confirm' | 'dispute'>;
}

/**
 * Did the member sign the entry? `latest`: as things stand once everything they wrote has arrived
 * (their latest stance wins); otherwise: did they ever sign it (a copy may not have their later
 * dispute yet, and then their earlier signature stands there).
 */
function signedBy(log: HonestLog, id: string, latest: boolean): boolean {
  if (latest) return log.authored.has(id) || log.stance.get(id) === 'confirm';
  return log.authored.has(id) || log.confirmed.has(id);
}

interface Villager {
  readonly index: number;
  readonly honest: boolean;
  /** The copy of the book on this villager's phone. */
  readonly book: Book;
  key: KeyPair;
  hex: string;
  /** Honest: their log. */
  readonly log: HonestLog;
  /** Hostile: keys used so far. */
  readonly keysUsed: string[];
  /** Entries signed with the current key, in seq order. */
  written: ParsedEntry[];
}

/** A hostile entry and the verdict it must get everywhere. */
interface Expectation {
  readonly id: string;
  readonly author: string;
  readonly seq: number;
  readonly what: string;
  status: 'valid' | 'rejected' | 'frozen';
  reason?: string;
}

interface Stats {
  hostile: Record<string, number>;
  honest: Record<string, number>;
  forged: number;
  counted: number;
  pending: number;
  disputed: number;
  reversed: number;
  blocked: number;
  checks: number;
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

function moneyBody(book: Book, id: string): MoneyBody | null {
  const p = book.entry(id);
  if (p === undefined) return null;
  try {
    return readMoneyBody(p.entry.kind, p.entry.body);
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ independent reference

type Post = { account: string; amount: bigint };

/** Postings of the kinds this simulation writes, derived here from the bodies (not by money.ts). */
function refPostings(b: MoneyBody, body: (id: string) => MoneyBody | null): Post[] | null {
  const m = (k: Uint8Array) => `member:${toHex(k)}`;
  switch (b.kind) {
    case 'loan':
      return [{ account: m(b.lender), amount: BigInt(b.amount) }, { account: m(b.borrower), amount: -BigInt(b.amount) }];
    case 'payment':
      return [{ account: m(b.from), amount: BigInt(b.amount) }, { account: m(b.to), amount: -BigInt(b.amount) }];
    case 'repay': {
      const l = body(toHex(b.loan));
      if (l?.kind !== 'loan') return null;
      return [{ account: m(l.borrower), amount: BigInt(b.amount) }, { account: m(l.lender), amount: -BigInt(b.amount) }];
    }
    case 'expense':
      return [...b.payers.map((p) => ({ account: m(p.key), amount: BigInt(p.amount) })), ...b.shares.map((s) => ({ account: m(s.key), amount: -BigInt(s.amount) }))];
    case 'fund/deposit':
      return [{ account: `savings:${toHex(b.fund)}:${toHex(b.member)}`, amount: BigInt(b.amount) }, { account: `fund:${toHex(b.fund)}`, amount: -BigInt(b.amount) }];
    case 'fund/loan': {
      const f = toHex(b.fund);
      return [
        { account: `debt:${f}:${toHex(b.member)}`, amount: -BigInt(b.amount + b.charge) },
        { account: `fund:${f}`, amount: BigInt(b.amount) },
        { account: `pool:${f}`, amount: BigInt(b.charge) },
      ];
    }
    case 'fund/fine': {
      const f = toHex(b.fund);
      return [{ account: `debt:${f}:${toHex(b.member)}`, amount: -BigInt(b.amount) }, { account: `pool:${f}`, amount: BigInt(b.amount) }];
    }
    default:
      return null;
  }
}

/** Owner of a member's account, or null for a fund's. */
function ownerOfAccount(a: string): string | null {
  if (a.startsWith('member:')) return a.slice(7);
  if (a.startsWith('savings:') || a.startsWith('debt:')) return a.slice(a.lastIndexOf(':') + 1);
  return null;
}

/** Members whose own accounts go down (net) under `ps`. */
function loweredBy(ps: readonly Post[]): string[] {
  const net = new Map<string, bigint>();
  for (const p of ps) {
    const o = ownerOfAccount(p.account);
    if (o !== null) net.set(o, (net.get(o) ?? 0n) + p.amount);
  }
  return [...net].filter(([, v]) => v < 0n).map(([k]) => k);
}

/**
 * The consent rules evaluated from scratch over the valid entries of `book` (single unit; the
 * founder is the only admin in this simulation): which money entries count, and the balances.
 */
function reference(book: Book, founder: string): { status: Map<string, string>; balances: Map<string, bigint> } {
  const body = (id: string) => moneyBody(book, id);
  // A confirm is final (FORMAT.md §8): a member with any valid confirm of an entry stands by it;
  // a member with only disputes of it disputes it, unless they wrote it (authoring is final like a
  // confirm: the author's dispute changes nothing). Seq order does not matter.
  const stances = new Map<string, Map<string, { confirm: boolean }>>();
  const reversals = new Map<string, string[]>();
  /** target id → member → the lowest seq of their valid confirms of it. */
  const firstConfirm = new Map<string, Map<string, number>>();
  const posting: { id: string; author: string; b: MoneyBody }[] = [];
  for (const e of book.entries()) {
    if (e.status !== 'valid') continue;
    const b = body(e.id);
    if (b === null) continue;
    const author = e.entry.authorHex;
    if (b.kind === 'confirm' || b.kind === 'dispute') {
      const t = toHex(b.entry);
      let m = stances.get(t);
      if (m === undefined) stances.set(t, (m = new Map<string, { confirm: boolean }>()));
      m.set(author, { confirm: m.get(author)?.confirm === true || b.kind === 'confirm' });
      if (b.kind === 'confirm') {
        let f = firstConfirm.get(t);
        if (f === undefined) firstConfirm.set(t, (f = new Map<string, number>()));
        f.set(author, Math.min(f.get(author) ?? Infinity, e.entry.entry.seq));
      }
    } else if (b.kind === 'reverse') {
      const t = toHex(b.entry);
      reversals.set(t, [...(reversals.get(t) ?? []), e.id]);
    } else if (refPostings(b, body) !== null) posting.push({ id: e.id, author, b });
  }
  const signed = (id: string, author: string, who: string): boolean => author === who || stances.get(id)?.get(who)?.confirm === true;
  const consent = (id: string, author: string, ps: readonly Post[]): { ok: boolean; disputed: boolean } => {
    const fund = ps.some((p) => ownerOfAccount(p.account) === null);
    const adminOk = !fund || author === founder || stances.get(id)?.get(founder)?.confirm === true;
    const ok = adminOk && loweredBy(ps).every((w) => signed(id, author, w));
    const disputed = [...(stances.get(id) ?? [])].some(([who, s]) => who !== author && !s.confirm);
    return { ok, disputed };
  };
  const status = new Map<string, string>();
  const balances = new Map<string, bigint>();
  for (const { id, author, b } of posting) {
    const ps = refPostings(b, body)!;
    let reversed = false;
    for (const r of reversals.get(id) ?? []) {
      const neg = ps.map((p) => ({ account: p.account, amount: -p.amount }));
      const c = consent(r, book.entry(r)!.authorHex, neg);
      const st = c.disputed ? 'disputed' : c.ok ? 'counted' : 'pending';
      status.set(r, st);
      if (st === 'counted') reversed = true;
    }
    const c = consent(id, author, ps);
    const st = reversed ? 'reversed' : c.disputed ? 'disputed' : c.ok ? 'counted' : 'pending';
    status.set(id, st);
  }
  // The limits of FORMAT.md §9, from their text: consented entries of a group in (time, id) order;
  // a fund loan needs the cash, a repayment a counted loan and no more than is outstanding.
  const byTime = (a: { id: string }, b: { id: string }) => book.entry(a.id)!.entry.time - book.entry(b.id)!.entry.time || (a.id < b.id ? -1 : 1);
  const fundOps = posting.filter((x) => x.b.kind === 'fund/deposit' || x.b.kind === 'fund/loan' || x.b.kind === 'fund/fine').sort(byTime);
  let cash = 0n;
  for (const { id, b } of fundOps) {
    if (status.get(id) !== 'counted') continue;
    if (b.kind === 'fund/deposit') cash += BigInt(b.amount);
    else if (b.kind === 'fund/loan') {
      if (cash < BigInt(b.amount)) status.set(id, 'blocked');
      else cash -= BigInt(b.amount);
    }
  }
  // A loan's repays in the order the lender consented in his own chain (the repay's seq if he wrote
  // it, else his lowest confirm seq of it; none: after the others), ties in (time, id) order.
  const lenderSeq = (x: { id: string; author: string; b: MoneyBody }): number => {
    const loan = x.b.kind === 'repay' ? body(toHex(x.b.loan)) : null;
    if (loan?.kind !== 'loan') return Infinity;
    const lender = toHex(loan.lender);
    return Math.min(x.author === lender ? book.entry(x.id)!.entry.seq : Infinity, firstConfirm.get(x.id)?.get(lender) ?? Infinity);
  };
  const repays = posting
    .filter((x) => x.b.kind === 'repay')
    .map((x) => ({ x, seq: lenderSeq(x) }))
    .sort((a, b) => (a.seq !== b.seq ? (a.seq < b.seq ? -1 : 1) : byTime(a.x, b.x)))
    .map(({ x }) => x);
  const left = new Map<string, bigint>();
  for (const { id, b } of repays) {
    if (b.kind !== 'repay' || status.get(id) !== 'counted') continue;
    const loanId = toHex(b.loan);
    const loan = body(loanId);
    if (status.get(loanId) !== 'counted' || loan?.kind !== 'loan') {
      status.set(id, 'blocked');
      continue;
    }
    const out = left.get(loanId) ?? BigInt(loan.amount);
    if (BigInt(b.amount) > out) status.set(id, 'blocked');
    else left.set(loanId, out - BigInt(b.amount));
  }
  for (const { id, b } of posting) {
    if (status.get(id) !== 'counted') continue;
    for (const p of refPostings(b, body)!) balances.set(p.account, (balances.get(p.account) ?? 0n) + p.amount);
  }
  for (const [k, v] of balances) if (v === 0n) balances.delete(k);
  return { status, balances };
}

// ------------------------------------------------------------------ the simulation

class MoneySim {
  readonly rng: Prng;
  readonly sigs = new SignatureMemo();
  readonly net: Network;
  readonly villagers: Villager[] = [];
  readonly bookId: Uint8Array;
  readonly founder: string;
  readonly fund: Uint8Array;
  readonly expectations: Expectation[] = [];
  /** Forged entries (bad signature): never part of any book. */
  readonly forged: { id: string; bytes: Uint8Array }[] = [];
  readonly stats: Stats = { hostile: {}, honest: {}, forged: 0, counted: 0, pending: 0, disputed: 0, reversed: 0, blocked: 0, checks: 0 };
  private time = T0;
  private spare = 0;

  constructor(readonly config: Config) {
    this.rng = new Prng(config.seed);
    this.net = new Network(config.replicas, this.rng.fork(), { duplicate: config.duplicate, drop: config.drop });
    const founderKey = keyOf(MEMBER_SEED);
    const open = openBook(founderKey, { name: 'Money simulation', units: [{ code: UNIT, decimals: 2 }], join: 'open', founder: 'Founder' }, this.time);
    this.bookId = open.id;
    this.founder = open.authorHex;
    for (let i = 0; i < config.replicas; i++) {
      const key = keyOf(MEMBER_SEED + i);
      const v: Villager = { index: i, honest: i < config.replicas - config.adversaries, book: new Book(open.id, this.sigs.check), key, hex: toHex(key.publicKey), log: { authored: new Set(), confirmed: new Set(), stance: new Map() }, keysUsed: [toHex(key.publicKey)], written: [] };
      v.book.ingest(open.bytes);
      this.villagers.push(v);
    }
    this.villagers[0]!.log.authored.add(open.idHex);
    for (const v of this.villagers.slice(1)) this.write(v, 'member/join', { name: `Villager ${v.index}` }, 'join');
    this.fund = this.write(this.villagers[0]!, 'fund/open', { name: 'Savings group', type: 'savings' }, 'fund/open').id;
  }

  get honest(): Villager[] {
    return this.villagers.filter((v) => v.honest);
  }

  /** Signs `v`'s next entry on their own copy and broadcasts it. */
  write(v: Villager, kind: string, body: Body, what: string): ParsedEntry {
    this.time += 1 + this.rng.int(5000);
    const p = append(v.book, v.key, v.hex, kind, body, this.time);
    v.written.push(p);
    this.net.broadcast(v.index, p.bytes);
    if (v.honest) {
      v.log.authored.add(p.idHex);
      if (kind === 'confirm' || kind === 'dispute') v.log.stance.set(toHex(body.entry as Uint8Array), kind);
      if (kind === 'confirm') v.log.confirmed.add(toHex(body.entry as Uint8Array));
      bump(this.stats.honest, what);
      const st = v.book.status(p.idHex);
      if (st !== 'valid') throw new Error(`honest ${what} by villager ${v.index} is ${st}: ${v.book.errorOf(p.idHex)?.message ?? ''}`);
    } else bump(this.stats.hostile, what);
    return p;
  }

  /** A hostile entry with the verdict it must get; when it breaks the author's chain, they take a fresh key. */
  hostile(v: Villager, kind: string, body: Body, what: string, expect: 'valid' | 'permission'): void {
    const p = this.write(v, kind, body, what);
    const own = v.book.status(p.idHex);
    const ownReason = v.book.errorOf(p.idHex)?.reason;
    if (expect === 'valid' && own !== 'valid') throw new Error(`hostile ${what}: expected valid, got ${own}/${ownReason ?? ''}: ${v.book.errorOf(p.idHex)?.message ?? ''}`);
    const x = { id: p.idHex, author: v.hex, seq: p.entry.seq, what };
    this.expectations.push(expect === 'valid' ? { ...x, status: 'valid' } : { ...x, status: 'rejected', reason: 'permission' });
    if (own !== 'valid') this.newKey(v); // the chain is broken from here
  }

  /** A hostile villager carries on as a new member. */
  newKey(v: Villager): void {
    v.key = keyOf(SPARE_SEED + (this.config.seed % 64) * 256 + this.spare++);
    v.hex = toHex(v.key.publicKey);
    v.keysUsed.push(v.hex);
    v.written = [];
    this.write(v, 'member/join', { name: `Newcomer ${this.spare}` }, 'join');
  }

  /**
   * The hostile villager signs a second entry at one of its seqs (≥ 2): a fork. Its chain is frozen
   * from there, with every loan or fine it wrote after that — including ones honest members have
   * since confirmed or repaid, which must stay valid.
   */
  fork(v: Villager): void {
    if (v.written.length < 2) return;
    const seq = 2 + this.rng.int(v.written.length - 1);
    const prev = v.written[seq - 2]!;
    const p = signEntry(v.key, { book: this.bookId, seq, prev: prev.id, links: [], time: prev.entry.time, kind: 'note', body: { text: 'The other side' } }, this.bookId);
    v.book.ingest(p.bytes);
    this.net.broadcast(v.index, p.bytes);
    for (const x of this.expectations) {
      if (x.author === v.hex && x.seq >= seq) {
        x.status = 'frozen';
        x.reason = 'fork';
      }
    }
    bump(this.stats.hostile, 'fork');
    this.newKey(v);
  }

  /** Members (current keys) other than `v`, honest ones by default. */
  others(v: Villager, honestOnly = true): Villager[] {
    return this.villagers.filter((o) => o !== v && (!honestOnly || o.honest) && o.book.members().some((m) => m.key === o.hex));
  }

  /** Valid money entries of some kinds in `v`'s copy. */
  entriesOf(v: Villager, kinds: readonly string[]): { id: string; b: MoneyBody; author: string }[] {
    const out: { id: string; b: MoneyBody; author: string }[] = [];
    for (const e of v.book.entries()) {
      if (e.status !== 'valid' || !kinds.includes(e.entry.entry.kind)) continue;
      const b = moneyBody(v.book, e.id);
      if (b !== null) out.push({ id: e.id, b, author: e.entry.authorHex });
    }
    return out;
  }

  /**
   * Is `who` a party of the money entry `id` in `v`'s copy: its postings touch their accounts, or
   * its body names them (FORMAT.md §8: expense payers and sharers even with a net of 0, both sides
   * of a loan, a repayment's loan, a payment, the member of a fund entry)?
   */
  isParty(v: Villager, id: string, who: string): boolean {
    const st = v.book.money.statusOf(id);
    const b = moneyBody(v.book, id);
    const baseId = b?.kind === 'reverse' ? toHex(b.entry) : id;
    const base = b?.kind === 'reverse' ? v.book.money.statusOf(baseId) : st;
    if ((base?.postings ?? []).some((p) => ownerOfAccount(p.account) === who)) return true;
    const bb = moneyBody(v.book, baseId);
    const named: Uint8Array[] = [];
    if (bb?.kind === 'expense') named.push(...bb.payers.map((x) => x.key), ...bb.shares.map((x) => x.key));
    if (bb?.kind === 'loan') named.push(bb.lender, bb.borrower);
    if (bb?.kind === 'payment') named.push(bb.from, bb.to);
    if (bb?.kind === 'repay') {
      const l = moneyBody(v.book, toHex(bb.loan));
      if (l?.kind === 'loan') named.push(l.lender, l.borrower);
    }
    if (bb?.kind === 'fund/payout') named.push(bb.member);
    return named.some((k) => toHex(k) === who);
  }

  private amount(): number {
    return this.rng.pick([1, 99, 500, 1000, 2550, 10_000, 123_45]);
  }

  /** An expense paid by `payer` shared by `who` (sorted by key), with a random split method. */
  expenseBody(payer: Villager, who: Villager[]): Body {
    const rows = [...new Set([...who])].sort((a, b) => (a.hex < b.hex ? -1 : 1));
    const total = this.amount() + this.rng.int(100);
    const method = this.rng.pick(['equal', 'exact', 'shares', 'percent'] as const);
    let weights: number[] | undefined;
    let shares: number[];
    if (method === 'equal') shares = splitByWeights(total, rows.map(() => 1));
    else if (method === 'exact') shares = splitByWeights(total, rows.map((_, i) => (i === 0 ? 1 : 0) + this.rng.int(4)));
    else {
      weights = method === 'shares' ? rows.map(() => 1 + this.rng.int(3)) : splitByWeights(10_000, rows.map(() => 1 + this.rng.int(5)));
      shares = splitByWeights(total, weights);
    }
    return {
      unit: UNIT,
      total,
      split: method,
      payers: [[payer.key.publicKey, total]],
      shares: rows.map((r, i) => [r.key.publicKey, shares[i]!]),
      weights: weights === undefined ? undefined : rows.map((r, i) => [r.key.publicKey, weights[i]!]),
      memo: `shared ${method}`,
    };
  }

  honestStep(v: Villager): void {
    const others = this.others(v, false);
    if (others.length === 0) return;
    const r = this.rng;
    const action = r.weighted({ inbox: 6, loan: 2, borrow: 1, payment: 2, expense: 2, repay: 2, deposit: 1, reverse: 1, dispute: 1 });
    switch (action) {
      case 'inbox': {
        const items = inbox(v.book, v.hex);
        if (items.length === 0) return;
        const item = r.pick(items);
        const fromHonest = this.villagers.some((o) => o.honest && o.log.authored.has(item.id));
        // Honest members confirm what honest members wrote; what a stranger wrote they mostly dispute or ignore.
        if (fromHonest ? r.chance(0.85) : r.chance(0.2)) this.write(v, 'confirm', { entry: fromHex(item.id) }, 'confirm');
        else if (!fromHonest && !v.log.confirmed.has(item.id) && r.chance(0.5)) this.write(v, 'dispute', { entry: fromHex(item.id), reason: 'I never agreed to this' }, 'dispute');
        return;
      }
      case 'loan': {
        const b = r.pick(others);
        this.write(v, 'loan', { lender: v.key.publicKey, borrower: b.key.publicKey, unit: UNIT, amount: this.amount(), due: this.time + r.int(1e9) }, 'loan');
        return;
      }
      case 'borrow': {
        const l = r.pick(others);
        this.write(v, 'loan', { lender: l.key.publicKey, borrower: v.key.publicKey, unit: UNIT, amount: this.amount() }, 'borrow');
        return;
      }
      case 'payment': {
        const to = r.pick(others);
        this.write(v, 'payment', { from: v.key.publicKey, to: to.key.publicKey, unit: UNIT, amount: this.amount() }, 'payment');
        return;
      }
      case 'expense': {
        const who = r.subset(others, 0.6);
        if (r.chance(0.7)) who.push(v);
        if (who.length === 0) who.push(r.pick(others));
        this.write(v, 'expense', this.expenseBody(v, who), 'expense');
        return;
      }
      case 'repay': {
        const mine = this.entriesOf(v, ['loan']).filter((l) => l.b.kind === 'loan' && toHex(l.b.borrower) === v.hex && v.book.money.statusOf(l.id)?.status === 'counted');
        if (mine.length === 0) return;
        const l = r.pick(mine);
        if (l.b.kind !== 'loan') return;
        this.write(v, 'repay', { loan: fromHex(l.id), amount: 1 + r.int(l.b.amount) }, 'repay');
        return;
      }
      case 'deposit':
        if (v.book.status(toHex(this.fund)) !== 'valid') return; // not on this phone yet
        this.write(v, 'fund/deposit', { fund: this.fund, member: v.key.publicKey, unit: UNIT, amount: this.amount() }, 'deposit');
        return;
      case 'reverse': {
        // A lender takes back their own loan (counts at once) or a borrower asks to (waits for the lender).
        const loans = this.entriesOf(v, ['loan']).filter((l) => l.b.kind === 'loan' && (toHex(l.b.lender) === v.hex || toHex(l.b.borrower) === v.hex));
        if (loans.length === 0) return;
        this.write(v, 'reverse', { entry: fromHex(r.pick(loans).id), reason: 'Not as agreed' }, 'reverse');
        return;
      }
      case 'dispute': {
        // Not what they confirmed or wrote: both are final (the engine refuses that dispute).
        const mine = this.entriesOf(v, ['loan', 'payment', 'expense', 'repay']).filter((e) => this.isParty(v, e.id, v.hex) && !v.log.confirmed.has(e.id) && e.author !== v.hex);
        if (mine.length === 0) return;
        this.write(v, 'dispute', { entry: fromHex(r.pick(mine).id), reason: 'Wrong amount' }, 'dispute');
        return;
      }
    }
  }

  hostileStep(v: Villager): void {
    const honest = this.others(v);
    if (honest.length === 0) return;
    const r = this.rng;
    const victim = r.pick(honest);
    const action = r.weighted({ debt: 3, thirdParty: 1, payment: 2, expense: 2, fund: 2, reverse: 2, dispute: 2, disputeOwn: 1, confirmOther: 3, forge: 1, repay: 1, fork: 0.8 });
    switch (action) {
      case 'fork':
        this.fork(v);
        return;
      case 'debt':
        this.hostile(v, 'loan', { lender: v.key.publicKey, borrower: victim.key.publicKey, unit: UNIT, amount: this.amount() }, 'loan to a victim', 'valid');
        return;
      case 'thirdParty': {
        const lender = r.pick(honest.filter((h) => h !== victim).concat([v]));
        this.hostile(v, 'loan', { lender: lender.key.publicKey, borrower: victim.key.publicKey, unit: UNIT, amount: this.amount() }, 'third-party loan', 'valid');
        return;
      }
      case 'payment':
        this.hostile(v, 'payment', { from: v.key.publicKey, to: victim.key.publicKey, unit: UNIT, amount: this.amount() }, 'payment to a victim', 'valid');
        return;
      case 'expense': {
        const who = r.subset(honest, 0.7);
        if (who.length === 0) who.push(victim);
        if (r.chance(0.5)) who.push(v);
        this.hostile(v, 'expense', this.expenseBody(v, who), 'expense on victims', 'valid');
        return;
      }
      case 'fund':
        if (v.book.status(toHex(this.fund)) !== 'valid') return; // not on this phone yet
        if (r.chance(0.5)) this.hostile(v, 'fund/fine', { fund: this.fund, member: victim.key.publicKey, unit: UNIT, amount: this.amount(), reason: 'Made up' }, 'fine on a victim', 'valid');
        else this.hostile(v, 'fund/loan', { fund: this.fund, member: victim.key.publicKey, unit: UNIT, amount: this.amount(), charge: r.int(500) }, 'fund loan to a victim', 'valid');
        return;
      case 'repay': {
        // "Repays" a loan of a victim's: lowers the lender's claim, so it waits for the lender.
        const ls = this.entriesOf(v, ['loan']).filter((l) => l.b.kind === 'loan');
        if (ls.length === 0) return;
        const l = r.pick(ls);
        if (l.b.kind !== 'loan') return;
        this.hostile(v, 'repay', { loan: fromHex(l.id), amount: 1 + r.int(l.b.amount) }, 'repay on behalf', 'valid');
        return;
      }
      case 'reverse':
      case 'dispute':
      case 'confirmOther': {
        const kinds = ['loan', 'payment', 'expense', 'repay', 'fund/deposit', 'fund/loan', 'fund/fine'];
        let targets = this.entriesOf(v, action === 'reverse' ? kinds : [...kinds, 'reverse']);
        if (action === 'confirmOther') {
          // Entries that wait for someone else: the confirm is the hostile member's own signature only.
          const waiting = targets.filter((t) => (v.book.money.statusOf(t.id)?.waitingFor ?? []).some((w) => w !== v.hex));
          if (waiting.length > 0) targets = waiting;
        }
        if (targets.length === 0) return;
        const t = r.pick(targets);
        const party = this.isParty(v, t.id, v.hex);
        const kind = action === 'confirmOther' ? 'confirm' : action;
        const body = kind === 'confirm' ? { entry: fromHex(t.id) } : { entry: fromHex(t.id), reason: 'Because' };
        this.hostile(v, kind, body, `${kind} as ${party ? 'party' : 'non-party'}`, party ? 'valid' : 'permission');
        return;
      }
      case 'disputeOwn': {
        // A dispute of an entry it wrote (a counted one if any): valid, and it changes nothing.
        const own = this.entriesOf(v, ['loan', 'payment', 'expense', 'repay', 'fund/deposit', 'fund/loan', 'fund/fine', 'reverse']).filter((e) => e.author === v.hex && this.isParty(v, e.id, v.hex));
        if (own.length === 0) return;
        const counted = own.filter((e) => v.book.money.statusOf(e.id)?.status === 'counted');
        const t = r.pick(counted.length > 0 ? counted : own);
        this.hostile(v, 'dispute', { entry: fromHex(t.id), reason: 'Changed my mind' }, 'dispute own entry', 'valid');
        return;
      }
      case 'forge': {
        // A confirm in a victim's name of something waiting for them, signed with the hostile key.
        const waiting = inbox(v.book, victim.hex);
        if (waiting.length === 0) return;
        const draft = nextDraft(v.book, victim.hex, 'confirm', { entry: fromHex(r.pick(waiting).id) }, this.time);
        const entryBytes = encodeEntry(victim.key.publicKey, draft);
        const id = entryId(entryBytes);
        const bytes = encodeSignedEntry(entryBytes, signBytes(id, v.key.secret));
        const res = v.book.ingest(bytes);
        if (res.kind !== 'input-rejected' || res.rejection.reason !== 'signature') throw new Error(`a forged confirm was not rejected for its signature: ${JSON.stringify(res)}`);
        this.forged.push({ id: toHex(id), bytes });
        this.net.broadcast(v.index, bytes);
        this.stats.forged++;
        return;
      }
    }
  }

  /** Delivers up to `n` messages. */
  deliver(n: number): void {
    for (let i = 0; i < n; i++) {
      const t = this.net.take();
      if (t === null) return;
      if (t.fate === 'dropped') continue;
      const book = this.villagers[t.msg.to]!.book;
      for (const bytes of t.msg.entries) book.ingest(bytes);
    }
  }

  /** Everything delivered, lost messages retried, then a full exchange (anti-entropy). */
  converge(): void {
    for (let round = 0; round < 1000; round++) {
      this.deliver(1_000_000);
      if (this.net.retryDropped() === 0 && this.net.pending === 0) break;
    }
    const all = new Map<string, Uint8Array>();
    for (const v of this.villagers) for (const b of v.book.signedEntries()) all.set(toHex(b), b);
    for (const v of this.villagers) for (const b of all.values()) v.book.ingest(b);
  }

  /**
   * No honest member is lowered without their signature (`final`: their latest stance, once
   * everything has arrived); everything sums to zero.
   */
  checkInvariants(where: string, final = false): void {
    this.stats.checks++;
    for (const v of this.villagers) {
      const book = v.book;
      const total = book.money.allBalances().reduce((a, [, us]) => a + us.reduce((x, [, y]) => x + y, 0n), 0n);
      if (total !== 0n) throw new Error(`${where}, replica ${v.index}: balances sum to ${total}`);
      for (const [account, us] of book.money.allBalances()) {
        for (const [u, x] of us) if (account.startsWith('fund:') && x > 0n) throw new Error(`${where}, replica ${v.index}: ${account} holds ${-x} ${u} (negative cash)`);
      }
      for (const m of book.money.moneyEntries()) {
        if (m.input.body.kind === 'reverse') continue;
        const ps = m.postings.map((p) => ({ account: p.account, amount: p.amount }));
        if (m.status === 'counted') {
          for (const h of this.honest) {
            if (!loweredBy(ps).includes(h.hex)) continue;
            const signed = signedBy(h.log, m.input.id, final);
            if (!signed) {
              const judged = [...book.entries()]
                .filter((e) => {
                  const b = moneyBody(book, e.id);
                  return (b?.kind === 'confirm' || b?.kind === 'dispute') && toHex(b.entry) === m.input.id;
                })
                .map((e) => `${e.entry.entry.kind} by ${e.entry.authorHex.slice(0, 8)} seq ${e.entry.entry.seq}: ${e.status}`);
              throw new Error(
                `${where}, replica ${v.index}: counted ${m.input.body.kind} ${m.input.id.slice(0, 12)} by ${m.input.author.slice(0, 8)} lowers honest villager ${h.index} (${h.hex.slice(0, 8)}), who did not sign it\n` +
                  `  postings: ${m.postings.map((p) => `${p.account.slice(0, 16)} ${p.amount}`).join(', ')}\n  judged: ${judged.join('; ') || 'none'}\n  villagers: ${this.villagers.map((x) => `${x.index}${x.honest ? '' : '!'}=${x.keysUsed.map((k) => k.slice(0, 8)).join('/')}`).join(' ')}`,
              );
            }
            if (final && h.log.stance.get(m.input.id) === 'dispute') throw new Error(`${where}: counted despite honest ${h.index}'s dispute`);
          }
        }
        if (m.status === 'reversed') {
          const neg = ps.map((p) => ({ account: p.account, amount: -p.amount }));
          for (const h of this.honest) {
            if (!loweredBy(neg).includes(h.hex)) continue;
            // Some counted reversal of it was signed by h.
            const ok = [...book.money.moneyEntries()].some((r) => {
              const b = r.input.body;
              if (b.kind !== 'reverse' || toHex(b.entry) !== m.input.id || r.status !== 'counted') return false;
              return signedBy(h.log, r.input.id, final);
            });
            if (!ok) throw new Error(`${where}, replica ${v.index}: the reversal of ${m.input.id.slice(0, 12)} lowers honest villager ${h.index}, who signed no counted reversal of it`);
          }
        }
      }
    }
  }

  run(): void {
    const { steps } = this.config;
    for (let step = 0; step < steps; step++) {
      if (this.rng.chance(0.45)) this.deliver(1 + this.rng.int(12));
      else {
        const v = this.rng.pick(this.villagers);
        if (v.honest) this.honestStep(v);
        else this.hostileStep(v);
      }
      if (this.rng.chance(0.05)) this.net.retryDropped();
      if (step % 10 === 9) this.checkInvariants(`step ${step}`);
    }
    this.converge();
    this.checkInvariants('after convergence', true);
    this.checkConverged();
  }

  checkConverged(): void {
    const [first, ...rest] = this.villagers;
    const bytes = first!.book.stateBytes();
    for (const v of rest) {
      if (!equalBytes(bytes, v.book.stateBytes())) throw new Error(`replica ${v.index} differs from replica 0 after convergence`);
    }
    const book = first!.book;
    // Incremental equals from scratch.
    book.rebuild();
    if (!equalBytes(bytes, book.stateBytes())) throw new Error('replica 0: incremental state differs from rebuild()');
    // Every money status and balance equal the independent reference.
    const ref = reference(book, this.founder);
    for (const m of book.money.moneyEntries()) {
      const want = ref.status.get(m.input.id);
      if (want !== undefined && want !== m.status) throw new Error(`${m.input.body.kind} ${m.input.id.slice(0, 12)}: book says ${m.status}, reference ${want}`);
      if (m.input.body.kind !== 'reverse') this.stats[m.status]++;
    }
    for (const [id, st] of ref.status) if (book.money.statusOf(id)?.status !== st) throw new Error(`${id.slice(0, 12)}: reference ${st}, book ${book.money.statusOf(id)?.status ?? 'none'}`);
    const actual = new Map(book.money.allBalances().map(([a, us]) => [a, us.find(([u]) => u === UNIT)?.[1] ?? 0n] as const));
    for (const [a, v] of ref.balances) if (actual.get(a) !== v) throw new Error(`${a}: reference ${v}, book ${actual.get(a) ?? 0n}`);
    for (const [a, v] of actual) if (ref.balances.get(a) !== v) throw new Error(`${a}: book ${v}, reference ${ref.balances.get(a) ?? 0n}`);
    // Hostile entries got the verdict they must get; forged ones are nowhere.
    for (const x of this.expectations) {
      if (book.status(x.id) !== x.status || (x.reason !== undefined && book.errorOf(x.id)?.reason !== x.reason)) {
        throw new Error(`hostile ${x.what} ${x.id.slice(0, 12)}: expected ${x.status}${x.reason === undefined ? '' : `/${x.reason}`}, got ${book.status(x.id)}/${book.errorOf(x.id)?.reason ?? ''}`);
      }
    }
    // By its bytes: the victim may later sign the very same entry itself (same seq, time and body:
    // the same id), and the book then rightly holds the victim's own signature under that id.
    for (const f of this.forged) {
      const held = book.entry(f.id);
      if (held !== undefined && Buffer.from(held.bytes).equals(Buffer.from(f.bytes))) throw new Error(`forged entry ${f.id.slice(0, 12)} is in the book`);
    }
    // Whatever the hostile members did (forks included), every honest entry is valid.
    for (const h of this.honest) {
      for (const id of h.log.authored) {
        if (book.status(id) !== 'valid') throw new Error(`honest villager ${h.index}'s ${book.entry(id)?.entry.kind ?? '?'} ${id.slice(0, 12)} is ${book.status(id)}/${book.errorOf(id)?.reason ?? ''}: ${book.errorOf(id)?.message ?? ''}`);
      }
    }
    // Nothing held: every dependency arrived.
    if (book.held().length > 0) throw new Error(`${book.held().length} entries still held after convergence`);
  }
}

function repro(seed: number): string {
  return `SIM_SEED=${seed} npx vitest run ${TEST_FILE}`;
}

const reports: { config: Config; stats: Stats }[] = [];

describe('money simulation: honest and hostile villagers, random delivery', () => {
  test.each(seeds.map((s) => [s, describeConfig(configOf(s))] as const))('seed %i (%s)', (seed) => {
    const sim = new MoneySim(configOf(seed));
    try {
      sim.run();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`${message}\n\nRepeat this seed with:\n  ${repro(seed)}\n`, { cause: e });
    }
    reports.push({ config: sim.config, stats: sim.stats });
  });

  // A guard against a simulation that silently stops exercising what it is for.
  test.runIf(!single && seeds.length >= 50)('the seeds cover the scenarios', () => {
    if (reports.length < seeds.length) return;
    const sum = (f: (s: Stats) => number) => reports.reduce((a, r) => a + f(r.stats), 0);
    const hostile = (k: string) => sum((s) => s.hostile[k] ?? 0);
    if (process.env.SIM_VERBOSE !== undefined) {
      const all = (pick: (s: Stats) => Record<string, number>) => {
        const out: Record<string, number> = {};
        for (const r of reports) for (const [k, v] of Object.entries(pick(r.stats))) out[k] = (out[k] ?? 0) + v;
        return out;
      };
      console.log({ hostile: all((s) => s.hostile), honest: all((s) => s.honest), counted: sum((s) => s.counted), pending: sum((s) => s.pending), disputed: sum((s) => s.disputed), reversed: sum((s) => s.reversed), forged: sum((s) => s.forged), checks: sum((s) => s.checks) });
    }
    expect(sum((s) => s.counted)).toBeGreaterThan(seeds.length * 3);
    expect(sum((s) => s.pending)).toBeGreaterThan(seeds.length * 3);
    expect(sum((s) => s.disputed)).toBeGreaterThan(seeds.length / 2);
    expect(sum((s) => s.reversed)).toBeGreaterThan(seeds.length / 4);
    expect(sum((s) => s.forged)).toBeGreaterThan(seeds.length / 4);
    expect(hostile('fork')).toBeGreaterThan(seeds.length / 4);
    for (const k of ['loan to a victim', 'payment to a victim', 'expense on victims', 'confirm as non-party', 'dispute as non-party', 'reverse as non-party', 'confirm as party', 'dispute own entry']) {
      expect(hostile(k), k).toBeGreaterThan(seeds.length / 10);
    }
  });
});
