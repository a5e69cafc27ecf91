/**
 * A fast-check generator of money books for test/property/money.property.test.ts: a *script*
 * (shrinkable: a member count and a list of small operations) and a deterministic builder that
 * plays it, each member writing from their own copy of the book (synced now and then, so entries
 * are concurrent and causal pasts differ).
 *
 * Operations: loans, payments, expenses (equal, exact, shares, percent; one or two payers),
 * repayments, funds (open, deposit, loan with a charge, fine, repayment, payout, contribution from
 * a member or a donor, spending, share-out), confirms, disputes, reversals, admin grants and
 * revokes, removals, gifts and attestations, in two units (CNY with 2 decimals, EGG with 0). The
 * author of an entry is chosen at random, so many entries wait for someone's signature. A
 * "spoiler" member also writes entries that break the money rules (a confirm or dispute by a
 * non-party, a unit the book does not have, a reversal of a reversal): they are rejected, and the
 * rest of the spoiler's chain with them.
 */
import fc from 'fast-check';
import {
  append,
  Book,
  derivePostings,
  fromHex,
  isFundAccount,
  keyPairFromSeed,
  mergePostings,
  openBook,
  partiesOf,
  POSTING_KINDS,
  readMoneyBody,
  signEntry,
  splitByWeights,
  toHex,
  type BodyLookup,
  type CborInput,
  type KeyPair,
  type MoneyBody,
  type ParsedEntry,
} from '../../src/core/index.js';
import { Prng } from '../sim/prng.js';

export const MAX_MEMBERS = 6;
export const UNITS = [
  { code: 'CNY', decimals: 2 },
  { code: 'EGG', decimals: 0 },
] as const;
const T0 = 1_700_000_000_000;

const key = (n: number): KeyPair => keyPairFromSeed(new Uint8Array(32).fill(n));
/** Member keys (0 is the founder); fixed, so key generation is paid once. */
const KEYS: readonly KeyPair[] = Array.from({ length: MAX_MEMBERS }, (_, i) => key(i + 21));
const SPOILER = key(60);

/** One operation: who acts (index, taken modulo the member count), what (modulo the number of kinds), and six numbers for the details. */
export interface MoneyOp {
  readonly a: number;
  readonly k: number;
  readonly p: readonly number[];
}

export interface MoneyScript {
  readonly members: number;
  /** The book's join policy; under `approve`, `admitted` (a bit mask) says who is admitted at the start, the rest wait for an `admit` op. */
  readonly policy: 'open' | 'approve';
  readonly admitted: number;
  readonly ops: readonly MoneyOp[];
}

const opArb: fc.Arbitrary<MoneyOp> = fc.record({
  a: fc.nat({ max: 1000 }),
  k: fc.nat({ max: 1000 }),
  p: fc.array(fc.nat({ max: 1_000_000 }), { minLength: 6, maxLength: 6 }),
});

/** Scripts of 3–6 members and up to `maxOps` operations. */
export function moneyScriptArb(maxOps = 70): fc.Arbitrary<MoneyScript> {
  return fc.record({
    members: fc.integer({ min: 3, max: MAX_MEMBERS }),
    policy: fc.constantFrom('open' as const, 'approve' as const),
    admitted: fc.nat({ max: 63 }),
    ops: fc.array(opArb, { minLength: 1, maxLength: maxOps, size: 'max' }),
  });
}

export interface BuiltMoneyBook {
  readonly bookId: Uint8Array;
  /** Every signed entry, in the order written (a causal order). */
  readonly entries: readonly Uint8Array[];
  /** The book holding all of them, fed in that order. */
  readonly book: Book;
  /** Member keys (hex), founder first. */
  readonly members: readonly string[];
  /** What the builder wrote, by operation name. */
  readonly wrote: Readonly<Record<string, number>>;
}

/** The operations, in the order of `k % OPS.length` (repeated names are more frequent). */
const OPS = [
  'sync',
  'sync',
  'syncAll',
  'loan',
  'loan',
  'payment',
  'expense',
  'expense',
  'expense',
  'repay',
  'repay',
  'fundOpen',
  'deposit',
  'deposit',
  'fundLoan',
  'fine',
  'fundRepay',
  'payout',
  'contribute',
  'spend',
  'shareout',
  'confirm',
  'confirm',
  'confirm',
  'confirm',
  'confirm',
  'confirm',
  'confirm',
  'confirm',
  'shareout',
  'dispute',
  'reverse',
  'reverse',
  'role',
  'remove',
  'record',
  'spoiler',
  'admit',
  'admit',
  'fork',
] as const;
type OpName = (typeof OPS)[number];

type Body = { readonly [key: string]: CborInput | undefined };

/** The money body of an entry in `book` (any status), or null. */
function moneyBodyOf(book: Book, id: string): MoneyBody | null {
  const p = book.entry(id);
  if (p === undefined) return null;
  try {
    return readMoneyBody(p.entry.kind, p.entry.body);
  } catch {
    return null;
  }
}

/** Who may confirm or dispute (or, for reversals, reverse) an entry, as the book rules it: its parties, plus admins when a fund's money moves (any admin may reverse). */
export function mayJudge(book: Book, targetId: string, author: string, admin: boolean, kind: 'confirm' | 'dispute' | 'reverse'): boolean {
  const t = moneyBodyOf(book, targetId);
  if (t === null) return false;
  if (kind === 'reverse' ? !POSTING_KINDS.has(t.kind) : !POSTING_KINDS.has(t.kind) && t.kind !== 'reverse') return false;
  const base = t.kind === 'reverse' ? moneyBodyOf(book, toHex(t.entry)) : t;
  if (base === null) return false;
  const lookup: BodyLookup = (id) => {
    const b = moneyBodyOf(book, id);
    return b === null ? undefined : { body: b, author: book.entry(id)!.authorHex };
  };
  const merged = mergePostings(derivePostings(base, lookup) ?? []);
  const fund = merged.some((x) => isFundAccount(x.account));
  return partiesOf(merged, base, lookup).has(author) || (admin && (fund || kind === 'reverse'));
}

/** Plays a script: returns the signed entries and the book holding them. */
export function buildMoneyBook(script: MoneyScript): BuiltMoneyBook {
  const n = script.members;
  const keys = KEYS.slice(0, n);
  const hex = keys.map((k) => toHex(k.publicKey));
  const sortedIdx = hex.map((_, i) => i).sort((x, y) => (hex[x]! < hex[y]! ? -1 : 1));
  let time = T0;
  const open = openBook(keys[0]!, { name: 'Money book', units: UNITS.map((u) => ({ ...u })), join: script.policy, founder: 'Founder' }, time);
  const master = new Book(open.id);
  master.ingestVerified(open.bytes);
  const entries: Uint8Array[] = [open.bytes];
  const views = keys.map(() => new Book(open.id));
  const synced = keys.map(() => 0);
  const spoilerView = new Book(open.id);
  let spoilerSynced = 0;
  let spoilerJoined = false;
  const wrote: Record<string, number> = {};

  const syncInto = (view: Book, from: number): number => {
    for (let i = from; i < entries.length; i++) view.ingestVerified(entries[i]!);
    return entries.length;
  };
  const sync = (i: number): void => {
    synced[i] = syncInto(views[i]!, synced[i]!);
  };
  const write = (i: number, kind: string, body: Body, what: string): ParsedEntry => {
    time += 1000;
    const p = append(views[i]!, keys[i]!, hex[i]!, kind, body, time);
    master.ingestVerified(p.bytes);
    entries.push(p.bytes);
    if (synced[i] === entries.length - 1) synced[i] = entries.length; // the view has it already
    wrote[what] = (wrote[what] ?? 0) + 1;
    return p;
  };

  for (let i = 1; i < n; i++) {
    sync(i);
    write(i, 'member/join', { name: `Member ${i}` }, 'join');
  }
  sync(0);
  write(0, 'fund/open', { name: 'Savings group', type: 'savings' }, 'fund/open');
  if (script.policy === 'approve') for (let i = 1; i < n; i++) if ((script.admitted >> i) & 1) write(0, 'member/admit', { member: keys[i]!.publicKey }, 'admit');
  for (let i = 0; i < n; i++) sync(i);

  for (const op of script.ops) {
    const name: OpName = OPS[op.k % OPS.length]!;
    const adminOp = name === 'fundOpen' || name === 'role' || name === 'remove' || name === 'admit';
    const isAdminIn = (i: number): boolean => views[i]!.members().find((m) => m.key === hex[i])?.admin === true;
    // Admin work falls to the founder when the chosen member is not an admin.
    const a = adminOp && !isAdminIn(op.a % n) ? 0 : op.a % n;
    const [p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0] = op.p;
    const r = new Prng(p5);
    const view = views[a]!;
    const me = hex[a]!;
    const isAdmin = isAdminIn(a);
    const other = (x: number): number => (a + 1 + (x % (n - 1))) % n;
    const unit = p4 % 3 === 0 ? 'EGG' : 'CNY';
    const amount = 1 + (p3 % (p4 % 5 === 0 ? 20 : 5000));
    const valid = (kinds: readonly string[]): { id: string; body: MoneyBody }[] => {
      const out: { id: string; body: MoneyBody }[] = [];
      for (const e of view.entries()) {
        if (e.status !== 'valid' || !kinds.includes(e.entry.entry.kind)) continue;
        const b = moneyBodyOf(view, e.id);
        if (b !== null) out.push({ id: e.id, body: b });
      }
      return out;
    };
    const funds = (): string[] => valid(['fund/open']).map((f) => f.id);
    /** Entries a body may name: valid ones and, now and then, only those that do not count (yet): frozen, or awaiting their author's admission. */
    const referencable = (kinds: readonly string[]): { id: string; body: MoneyBody }[] => {
      const all = valid(kinds);
      if (p4 % 3 !== 0) return all;
      const waiting = new Set(view.held().filter((h) => h.awaitingAdmission).map((h) => h.id));
      const out: { id: string; body: MoneyBody }[] = [];
      for (const e of view.entries()) {
        if (!kinds.includes(e.entry.entry.kind) || !(e.status === 'frozen' || waiting.has(e.id))) continue;
        const b = moneyBodyOf(view, e.id);
        if (b !== null) out.push({ id: e.id, body: b });
      }
      return out.length > 0 ? out : all;
    };
    switch (name) {
      case 'sync':
        sync(a);
        break;
      case 'syncAll':
        for (let i = 0; i < n; i++) sync(i);
        break;
      case 'loan': {
        // The author is the lender, the borrower, or a third party.
        const lender = p0 % 3 === 0 ? a : other(p0);
        let borrower = p1 % 3 === 0 ? a : other(p1);
        if (borrower === lender) borrower = (lender + 1) % n;
        write(a, 'loan', { lender: keys[lender]!.publicKey, borrower: keys[borrower]!.publicKey, unit, amount, due: p2 % 2 === 0 ? T0 + p2 * 1000 : undefined, memo: p2 % 3 === 0 ? 'loan' : undefined }, 'loan');
        break;
      }
      case 'payment': {
        const from = p0 % 2 === 0 ? a : other(p0);
        let to = p1 % 2 === 0 ? a : other(p1);
        if (to === from) to = (from + 1) % n;
        write(a, 'payment', { from: keys[from]!.publicKey, to: keys[to]!.publicKey, unit, amount }, 'payment');
        break;
      }
      case 'expense': {
        const method = (['equal', 'exact', 'shares', 'percent'] as const)[p0 % 4]!;
        let who = sortedIdx.filter(() => r.chance(0.7));
        if (who.length === 0) who = [sortedIdx[p1 % n]!];
        let payers = sortedIdx.filter(() => r.chance(0.3)).slice(0, 2);
        if (payers.length === 0) payers = [p1 % 2 === 0 ? a : sortedIdx[p2 % n]!];
        const total = Math.max(payers.length, amount + r.int(300));
        const paid = splitByWeights(total - payers.length, payers.map(() => 1 + r.int(5))).map((x) => x + 1);
        let weights: number[] | undefined;
        let shares: number[];
        if (method === 'equal') shares = splitByWeights(total, who.map(() => 1));
        else if (method === 'exact') shares = splitByWeights(total, who.map(() => r.int(6)).map((w, i) => (i === 0 ? w + 1 : w)));
        else if (method === 'shares') {
          weights = who.map(() => 1 + r.int(4));
          shares = splitByWeights(total, weights);
        } else {
          const raw = who.map(() => 1 + r.int(10));
          weights = splitByWeights(10_000, raw);
          shares = splitByWeights(total, weights);
        }
        write(
          a,
          'expense',
          {
            unit,
            total,
            split: method,
            payers: payers.map((i, j) => [keys[i]!.publicKey, paid[j]!]),
            shares: who.map((i, j) => [keys[i]!.publicKey, shares[j]!]),
            weights: weights === undefined ? undefined : who.map((i, j) => [keys[i]!.publicKey, weights[j]!]),
            memo: `expense ${method}`,
          },
          `expense:${method}`,
        );
        break;
      }
      case 'repay': {
        const ls = referencable(['loan']);
        if (ls.length === 0) break;
        const l = ls[p0 % ls.length]!;
        if (l.body.kind !== 'loan') break;
        write(a, 'repay', { loan: fromHex(l.id), amount: 1 + (p1 % l.body.amount) }, 'repay');
        break;
      }
      case 'fundOpen':
        if (!isAdmin) break;
        write(a, 'fund/open', { name: `Fund ${p0 % 100}`, type: (['savings', 'social', 'common'] as const)[p1 % 3]! }, 'fund/open');
        break;
      case 'deposit':
      case 'fundLoan':
      case 'fine':
      case 'payout':
      case 'contribute':
      case 'spend': {
        const fs = funds();
        if (fs.length === 0) break;
        const fund = fromHex(fs[p0 % fs.length]!);
        const member = keys[p1 % 2 === 0 ? a : other(p1)]!.publicKey;
        if (name === 'deposit') write(a, 'fund/deposit', { fund, member, unit, amount }, 'fund/deposit');
        else if (name === 'fundLoan') write(a, 'fund/loan', { fund, member, unit, amount, charge: p2 % 50, due: p2 % 2 === 0 ? T0 + p2 : undefined }, 'fund/loan');
        else if (name === 'fine') write(a, 'fund/fine', { fund, member, unit, amount: 1 + (amount % 50), reason: 'late' }, 'fund/fine');
        else if (name === 'payout') write(a, 'fund/payout', { fund, member, unit, amount, memo: 'help' }, 'fund/payout');
        else if (name === 'contribute') write(a, 'fund/contribute', p2 % 2 === 0 ? { fund, unit, amount, from: member } : { fund, unit, amount, donor: 'Donor' }, 'fund/contribute');
        else {
          const sources = valid(['fund/contribute']).filter((c) => c.body.kind === 'fund/contribute' && toHex(c.body.fund) === toHex(fund));
          const source = p2 % 2 === 0 && sources.length > 0 ? fromHex(sources[p2 % sources.length]!.id) : undefined;
          write(a, 'fund/spend', { fund, unit, amount, memo: 'supplies', source }, 'fund/spend');
        }
        break;
      }
      case 'fundRepay': {
        const ds = referencable(['fund/loan', 'fund/fine']);
        if (ds.length === 0) break;
        write(a, 'fund/repay', { debt: fromHex(ds[p0 % ds.length]!.id), amount }, 'fund/repay');
        break;
      }
      case 'shareout': {
        const fs = funds();
        if (fs.length === 0) break;
        const f = fs[p0 % fs.length]!;
        // From what this member's copy shows: savings of each member and the pool.
        const rows = sortedIdx.map((i) => ({ i, savings: view.money.balance(`savings:${f}:${hex[i]!}`, unit) })).filter((x) => x.savings > 0n);
        if (rows.length === 0) break;
        const pool = view.money.balance(`pool:${f}`, unit);
        const profit = splitByWeights(pool > 0n ? Number(pool) : 0, rows.map((x) => Number(x.savings)));
        write(a, 'fund/shareout', { fund: fromHex(f), unit, payouts: rows.map((x, j) => [keys[x.i]!.publicKey, Number(x.savings), profit[j]!]) }, 'fund/shareout');
        break;
      }
      case 'confirm':
      case 'dispute':
      case 'reverse': {
        const kinds = name === 'reverse' ? [...POSTING_KINDS] : [...POSTING_KINDS, 'reverse'];
        let targets = referencable(kinds)
          .map((t) => t.id)
          .filter((id) => mayJudge(view, id, me, isAdmin, name));
        // Mostly what waits for this member: that is what members confirm.
        const waiting = targets.filter((id) => view.money.statusOf(id)?.waitingFor.some((w) => w === me || (isAdmin && w === 'admin')) === true);
        if (name === 'confirm' && waiting.length > 0 && p1 % 4 !== 0) targets = waiting;
        if (targets.length === 0) break;
        const entry = fromHex(targets[p0 % targets.length]!);
        write(a, name, name === 'confirm' ? { entry } : { entry, reason: `${name} ${p2 % 10}` }, name);
        break;
      }
      case 'role': {
        if (!isAdmin) break;
        const target = p0 % n;
        write(a, 'member/role', { member: keys[target]!.publicKey, role: 'admin', grant: p1 % 3 !== 0 }, p1 % 3 !== 0 ? 'grant' : 'revoke');
        break;
      }
      case 'remove': {
        if (!isAdmin || p1 % 2 !== 0) break;
        const target = other(p0);
        const tip = view.chainTip(hex[target]!)?.entry.seq ?? 0;
        if (tip === 0) break;
        write(a, 'member/remove', { member: keys[target]!.publicKey, seq: 1 + (p2 % tip), reason: 'moved away' }, 'member/remove');
        break;
      }
      case 'record':
        if (p0 % 2 === 0) write(a, 'gift', { from: keys[a]!.publicKey, to: keys[other(p1)]!.publicKey, unit, amount }, 'gift');
        else write(a, 'attest', { sha256: r.bytes(32), name: 'receipt.jpg', size: p1 }, 'attest');
        break;
      case 'admit': {
        if (script.policy !== 'approve' || !isAdmin) break;
        write(a, 'member/admit', { member: keys[other(p0)]!.publicKey }, 'admit');
        break;
      }
      case 'fork': {
        // Rare: the actor signs a second entry at their latest seq (a restored old backup, or malice).
        if (p1 % 4 !== 0) break;
        const tip = view.chainTip(me);
        if (tip === null || tip.entry.prev === undefined) break;
        time += 1000;
        const p = signEntry(keys[a]!, { book: open.id, seq: tip.entry.seq, prev: tip.entry.prev, links: [], time: tip.entry.time, kind: 'note', body: { text: `fork ${p2 % 100}` } }, open.id);
        view.ingestVerified(p.bytes);
        master.ingestVerified(p.bytes);
        entries.push(p.bytes);
        if (synced[a] === entries.length - 1) synced[a] = entries.length;
        wrote.fork = (wrote.fork ?? 0) + 1;
        break;
      }
      case 'spoiler': {
        spoilerSynced = syncInto(spoilerView, spoilerSynced);
        const spoilerHex = toHex(SPOILER.publicKey);
        time += 1000;
        let p: ParsedEntry;
        if (!spoilerJoined) {
          spoilerJoined = true;
          p = append(spoilerView, SPOILER, spoilerHex, 'member/join', { name: 'Spoiler' }, time);
        } else {
          const postings = valid([...POSTING_KINDS]).filter((t) => !mayJudge(spoilerView, t.id, spoilerHex, false, 'confirm'));
          const reversals = valid(['reverse']);
          const choice = p0 % 4;
          if (choice === 0 && postings.length > 0) p = append(spoilerView, SPOILER, spoilerHex, 'confirm', { entry: fromHex(postings[p1 % postings.length]!.id) }, time);
          else if (choice === 1 && postings.length > 0) p = append(spoilerView, SPOILER, spoilerHex, 'dispute', { entry: fromHex(postings[p1 % postings.length]!.id), reason: 'no' }, time);
          else if (choice === 2 && reversals.length > 0) p = append(spoilerView, SPOILER, spoilerHex, 'reverse', { entry: fromHex(reversals[p1 % reversals.length]!.id), reason: 'undo' }, time);
          else p = append(spoilerView, SPOILER, spoilerHex, 'payment', { from: SPOILER.publicKey, to: keys[p1 % n]!.publicKey, unit: 'XXX', amount }, time);
        }
        master.ingestVerified(p.bytes);
        entries.push(p.bytes);
        wrote.spoiler = (wrote.spoiler ?? 0) + 1;
        break;
      }
    }
  }
  return { bookId: open.id, entries, book: master, members: hex, wrote };
}

/** A short readable form of a script (for failure messages). */
export function describeScript(s: MoneyScript): string {
  return `${s.members} members (${s.policy}): ${s.ops.map((o) => `${OPS[o.k % OPS.length]}@${o.a % s.members}`).join(' ')}`;
}
