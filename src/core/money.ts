/**
 * Money in the book (docs/FORMAT.md §8–§9): postings derived from the money kinds, consent,
 * disputes, reversals, and balances — a deterministic function of the set of valid entries,
 * updated incrementally as entries become valid.
 *
 * Accounts (positive: the account is owed; negative: it owes):
 *   member:<key>              a member's position with other members (loans, payments, expenses)
 *   savings:<fund>:<key>      a member's savings in a group fund (the fund owes them)
 *   debt:<fund>:<key>         a member's loans and fines from a fund (they owe the fund)
 *   fund:<fund>               the fund's cash box: −(cash it holds)
 *   pool:<fund>               the fund's own money: charges, fines, contributions, less payouts and spending
 * `<fund>` is the hex id of the fund's `fund/open` entry. Every entry's postings sum to zero per
 * unit, so all balances together sum to zero per unit.
 */
import { toHex } from './bytes.js';
import { isFundAccount, ownerOf, type Posting } from './kinds/common.js';
import { POSTING_KINDS, specOf, type MoneyBody } from './kinds/registry.js';
import type { BodyLookup } from './kinds/spec.js';
import { splitByWeights } from './split.js';

export { isFundAccount, ownerOf, POSTING_KINDS, type BodyLookup, type Posting };

/** A money-relevant entry as the book hands it over once it is valid. */
export interface MoneyInput {
  readonly id: string;
  readonly author: string;
  readonly seq: number;
  readonly time: number;
  readonly body: MoneyBody;
  /** Whether the author was an admin at this entry (in its causal past). */
  readonly authorIsAdmin: boolean;
}

/**
 * Where a money entry stands. `blocked`: every signature is there, but the money rules of
 * FORMAT.md §9 ("Limits") keep it out: it repays a debt that does not count or more than is
 * outstanding, a fund does not hold the cash, or a share-out does not match the fund.
 */
export type MoneyStatus = 'counted' | 'pending' | 'disputed' | 'reversed' | 'blocked';

/** Why a consented entry is blocked (FORMAT.md §9, Limits). */
export type BlockReason = 'target-not-counted' | 'over-outstanding' | 'no-cash' | 'no-pool' | 'source' | 'shareout-mismatch';

/** The consent marker for "an admin" in `waitingFor` lists. */
export const ADMIN = 'admin';

interface MRec {
  readonly input: MoneyInput;
  /** Null while a referenced entry (the reversed one) is not in the state. */
  postings: Posting[] | null;
  /** requiredConsents(postings), cached: postings of an entry never change once known. */
  required: string[] | null;
  counts: boolean;
  status: MoneyStatus;
  waitingFor: string[];
  /** Every consent is there and nothing disputes or reverses it (the fold of its group decides). */
  consents: boolean;
  /** Set while the group fold keeps a consented entry out. */
  blocked: BlockReason | null;
  /** `loan:<id>` for a repayment, `fund:<id>` for an entry moving a fund; null when no limit applies. */
  group: string | null;
  /** The status `track` last counted (for the pending count). */
  tracked?: MoneyStatus;
  /** Members owning an account the postings move (computed when first asked). */
  owners?: readonly string[];
}

/** A money entry as the state holds it, read-only (see {@link MoneyState.openList}). */
export interface MoneyRecord {
  readonly input: MoneyInput;
  readonly postings: readonly Posting[] | null;
  readonly status: MoneyStatus;
  readonly waitingFor: readonly string[];
}

/** One unit's running figures of a fund in the fold (subunits). */
interface FundFigures {
  cash: bigint;
  pool: bigint;
  /** member key → savings */
  savings: Map<string, bigint>;
}

/**
 * One member's confirms and disputes of one entry (FORMAT.md §8): a confirm is final, so their
 * stance is `confirm` once any confirm of theirs is valid, whatever its seq; else their dispute
 * (the highest seq, lowest id on a fork, gives the reason shown). Order-independent by design.
 */
interface Stance {
  /** Their confirm with the lowest seq (lowest id on a fork), if any. */
  confirm: { readonly seq: number; readonly id: string } | null;
  /** Some confirm of theirs was written while they were an admin (signs for `admin`). */
  adminConfirm: boolean;
  /** Their dispute with the highest seq (lowest id on a fork), if any: only in effect without a confirm. */
  dispute: { readonly seq: number; readonly id: string; readonly reason: string } | null;
}

/**
 * The stance in effect: a confirm is final (a later dispute changes nothing; a later confirm withdraws a
 * dispute). Authoring is final too: the author's own dispute is never read (`verdict`, `disputesOf`).
 */
const stanceOf = (s: Stance): 'confirm' | 'dispute' => (s.confirm !== null ? 'confirm' : 'dispute');

/**
 * The postings of a money body (before merging), from its kind's spec. `lookup` gives referenced
 * bodies (the loan a repayment repays, the debt a fund repayment pays). Returns null when a
 * reference is missing.
 */
export function derivePostings(b: MoneyBody, lookup: BodyLookup): Posting[] | null {
  const spec = specOf(b.kind);
  return spec.postings === undefined ? [] : spec.postings(b, lookup);
}

/** Merges postings per account and unit, drops zeros, sorts by account then unit. */
export function mergePostings(ps: readonly Posting[]): Posting[] {
  // Entries carry a handful of postings: a linear merge beats building string keys (hot path).
  const out: { account: string; unit: string; amount: bigint }[] = [];
  for (const x of ps) {
    const same = out.find((o) => o.account === x.account && o.unit === x.unit);
    if (same === undefined) out.push({ account: x.account, unit: x.unit, amount: x.amount });
    else same.amount += x.amount;
  }
  return out
    .filter((x) => x.amount !== 0n)
    .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
}

/** Who must sign for `postings` to count: members whose own accounts go down, and `admin` when a fund's money moves. */
export function requiredConsents(postings: readonly Posting[]): string[] {
  const req: string[] = [];
  const net: { owner: string; unit: string; v: bigint }[] = [];
  for (const x of postings) {
    const owner = ownerOf(x.account);
    if (owner !== null) {
      const n = net.find((y) => y.owner === owner && y.unit === x.unit);
      if (n === undefined) net.push({ owner, unit: x.unit, v: x.amount });
      else n.v += x.amount;
    } else if (isFundAccount(x.account) && !req.includes(ADMIN)) req.push(ADMIN);
  }
  for (const n of net) if (n.v < 0n && !req.includes(n.owner)) req.push(n.owner);
  return req.sort();
}

/** Members with a posting on their own accounts, or named by the body (even with a net of 0). */
export function partiesOf(postings: readonly Posting[], b: MoneyBody, lookup: BodyLookup): Set<string> {
  const out = new Set<string>();
  for (const x of postings) {
    const owner = ownerOf(x.account);
    if (owner !== null) out.add(owner);
  }
  for (const k of specOf(b.kind).named?.(b, lookup) ?? []) out.add(k);
  return out;
}

/**
 * The member-to-member debts one counted entry creates, per unit: each participant's net debt is
 * divided among the payers' net credit by the largest-remainder rule (debtors in posting order,
 * each over the credit still open), so the debts add up to the postings. Key `debtor|creditor|unit`.
 */
export function pairwiseDebts(postings: readonly Posting[]): [string, bigint][] {
  const out: [string, bigint][] = [];
  const byUnit = new Map<string, { key: string; v: bigint }[]>();
  for (const x of postings) {
    if (!x.account.startsWith('member:')) continue;
    let l = byUnit.get(x.unit);
    if (l === undefined) byUnit.set(x.unit, (l = []));
    l.push({ key: x.account.slice(7), v: x.amount });
  }
  for (const [unit, list] of byUnit) {
    // Each debtor's debt is split over what each creditor is still owed by this entry, so every
    // creditor receives exactly their credit (splitting every debt over the full credits rounds
    // each debt on its own and can give a creditor a subunit more or less than their balance).
    const creditors = list.filter((x) => x.v > 0n).map((c) => ({ key: c.key, left: c.v }));
    for (const d of list.filter((x) => x.v < 0n)) {
      const parts = splitByWeights(Number(-d.v), creditors.map((c) => Number(c.left)));
      creditors.forEach((c, i) => {
        if (parts[i]! > 0) {
          out.push([`${d.key}|${c.key}|${unit}`, BigInt(parts[i]!)]);
          c.left -= BigInt(parts[i]!);
        }
      });
    }
  }
  return out;
}

const LOAN_KINDS: ReadonlySet<string> = new Set(['loan', 'fund/loan', 'fund/fine']);

/** A money entry as the state reports it. */
export interface MoneyEntryView {
  readonly input: MoneyInput;
  readonly status: MoneyStatus;
  readonly postings: readonly Posting[];
  readonly waitingFor: readonly string[];
}

const view = (r: MRec): MoneyEntryView => ({ input: r.input, status: r.status, postings: r.postings ?? [], waitingFor: r.waitingFor });

/** (time, id) order of money entries. */
const byTimeId = (a: MRec, b: MRec): number => a.input.time - b.input.time || (a.input.id < b.input.id ? -1 : a.input.id > b.input.id ? 1 : 0);

/** Where `r` is, or goes, in `list` sorted by (time, id). */
function sortedIndex(list: readonly MRec[], r: MRec): number {
  let lo = 0;
  let hi = list.length;
  const t = r.input.time;
  const id = r.input.id;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = list[mid]!.input;
    if (m.time < t || (m.time === t && m.id < id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The money part of a book's state. */
export class MoneyState {
  private readonly recs = new Map<string, MRec>();
  /** target id → member → their confirms and disputes of it (see {@link Stance}: a confirm is final). */
  private readonly stances = new Map<string, Map<string, Stance>>();
  /** target id → ids of reverse entries naming it. */
  private readonly reversals = new Map<string, Set<string>>();
  private readonly balances = new Map<string, Map<string, bigint>>();
  /** fund id → its `fund/open`. */
  readonly funds = new Map<string, { id: string; name: string; type: string; time: number }>();
  /** Entries without postings worth listing: gifts and attestations. */
  readonly records = new Map<string, MoneyInput>();
  /** loan or fund debt id → ids of repayments naming it. */
  private readonly repays = new Map<string, Set<string>>();
  /** Limit group → ids of its entries (see {@link groupOf}). */
  private readonly groups = new Map<string, Set<string>>();
  /** Groups to fold again before the next read. */
  private readonly dirty = new Set<string>();

  /**
   * Kept up to date as statuses change, so that what a busy book's home and summary show does not
   * walk every money entry per batch: entries pending or disputed, loans and fines (in arrival
   * order), and the pairwise debts of the counted entries (`debtor|creditor|unit` → amount).
   */
  private readonly open: MRec[] = [];
  private readonly disputedRecs: MRec[] = [];
  private pendingN = 0;
  private readonly loanRecs: MRec[] = [];
  private readonly owes = new Map<string, bigint>();

  /** One string per account name, shared by every posting to it (a 100,000-entry book repeats them). */
  private readonly names = new Map<string, string>();

  constructor(private readonly lookup: BodyLookup) {}

  private intern(name: string): string {
    let s = this.names.get(name);
    if (s === undefined) this.names.set(name, (s = name));
    return s;
  }

  /** Adds a valid entry of a money kind. */
  add(m: MoneyInput): void {
    const b = m.body;
    switch (b.kind) {
      case 'fund/open':
        this.funds.set(m.id, { id: m.id, name: b.name, type: b.type, time: m.time });
        return;
      case 'gift':
      case 'attest':
        this.records.set(m.id, m);
        return;
      case 'confirm':
      case 'dispute': {
        const target = toHex(b.entry);
        let byMember = this.stances.get(target);
        if (byMember === undefined) this.stances.set(target, (byMember = new Map<string, Stance>()));
        let s = byMember.get(m.author);
        if (s === undefined) byMember.set(m.author, (s = { confirm: null, adminConfirm: false, dispute: null }));
        if (b.kind === 'confirm') {
          const c = s.confirm;
          if (c === null || m.seq < c.seq || (m.seq === c.seq && m.id < c.id)) s.confirm = { seq: m.seq, id: m.id };
          if (m.authorIsAdmin) s.adminConfirm = true;
        } else {
          const d = s.dispute;
          if (d === null || m.seq > d.seq || (m.seq === d.seq && m.id < d.id)) s.dispute = { seq: m.seq, id: m.id, reason: b.reason };
        }
        this.reevaluateFor(target);
        return;
      }
      case 'reverse': {
        const target = toHex(b.entry);
        const rec: MRec = { input: m, postings: null, required: null, counts: false, status: 'pending', waitingFor: [], consents: false, blocked: null, group: null };
        this.recs.set(m.id, rec);
        this.track(rec);
        let set = this.reversals.get(target);
        if (set === undefined) this.reversals.set(target, (set = new Set()));
        set.add(m.id);
        this.reevaluateGroup(target);
        return;
      }
      case 'member/remove':
      case 'member/role':
        return;
      default: {
        const postings = mergePostings(derivePostings(b, this.lookup) ?? []).map((x) => ({ ...x, account: this.intern(x.account) }));
        const group = this.groupOf(b);
        const rec: MRec = { input: m, postings, required: null, counts: false, status: 'pending', waitingFor: [], consents: false, blocked: null, group };
        this.recs.set(m.id, rec);
        this.track(rec);
        if (LOAN_KINDS.has(b.kind)) this.loanRecs.splice(sortedIndex(this.loanRecs, rec), 0, rec);
        if (group !== null) {
          let g = this.groups.get(group);
          if (g === undefined) this.groups.set(group, (g = new Set()));
          g.add(m.id);
        }
        if (b.kind === 'repay' || b.kind === 'fund/repay') {
          const target = toHex(b.kind === 'repay' ? b.loan : b.debt);
          let set = this.repays.get(target);
          if (set === undefined) this.repays.set(target, (set = new Set()));
          set.add(m.id);
        }
        this.reevaluateGroup(m.id);
      }
    }
  }

  /** A confirm/dispute changed: re-evaluate its target (a reverse entry re-evaluates what it reverses). */
  private reevaluateFor(target: string): void {
    const r = this.recs.get(target);
    if (r?.input.body.kind === 'reverse') this.reevaluateGroup(toHex(r.input.body.entry));
    else this.reevaluateGroup(target);
  }

  /** Re-evaluates an entry and the reversals naming it; applies or withdraws postings that flip. */
  private reevaluateGroup(target: string): void {
    const t = this.recs.get(target);
    let reversed = false;
    for (const rid of this.reversals.get(target) ?? []) {
      const r = this.recs.get(rid)!;
      // A reversal moves the opposite of what it reverses, so the same consent rules protect it.
      if (r.postings === null && t !== undefined && t.postings !== null) r.postings = t.postings.map((x) => ({ ...x, amount: -x.amount }));
      const verdict = r.postings === null ? null : this.verdict(r, r.postings);
      r.waitingFor = verdict?.waitingFor ?? [];
      r.status = verdict === null ? 'pending' : verdict.disputed ? 'disputed' : verdict.waitingFor.length === 0 ? 'counted' : 'pending';
      r.counts = false; // a reversal never posts; it takes the reversed entry out instead
      if (r.status === 'counted') reversed = true;
      this.track(r);
    }
    if (t === undefined || t.postings === null) return;
    const v = this.verdict(t, t.postings);
    t.waitingFor = v.waitingFor;
    t.status = reversed ? 'reversed' : v.disputed ? 'disputed' : v.waitingFor.length === 0 ? 'counted' : 'pending';
    this.track(t);
    t.consents = t.status === 'counted';
    if (t.group !== null) {
      // Whether it counts depends on the other entries of its group, in order: decided by the fold.
      this.dirty.add(t.group);
      return;
    }
    if (this.setCounts(t, t.consents) && t.input.body.kind === 'loan') this.dirty.add(`loan:${t.input.id}`);
  }

  /** Posts or withdraws an entry's postings; true when whether it counts changed. */
  private setCounts(t: MRec, counts: boolean): boolean {
    if (counts === t.counts) return false;
    t.counts = counts;
    for (const x of t.postings!) this.post(x.account, x.unit, counts ? x.amount : -x.amount);
    for (const [k, v] of pairwiseDebts(t.postings!)) {
      const n = (this.owes.get(k) ?? 0n) + (counts ? v : -v);
      if (n === 0n) this.owes.delete(k);
      else this.owes.set(k, n);
    }
    return true;
  }

  /** The limit group of a posting body (FORMAT.md §9, Limits), or null. */
  private groupOf(b: MoneyBody): string | null {
    switch (b.kind) {
      case 'repay':
        return `loan:${toHex(b.loan)}`;
      case 'fund/repay': {
        const d = this.lookup(toHex(b.debt))?.body;
        return d !== undefined && 'fund' in d ? `fund:${toHex(d.fund)}` : null;
      }
      case 'fund/deposit':
      case 'fund/loan':
      case 'fund/fine':
      case 'fund/payout':
      case 'fund/contribute':
      case 'fund/spend':
      case 'fund/shareout':
        return `fund:${toHex(b.fund)}`;
      default:
        return null;
    }
  }

  /**
   * Decides the groups whose members changed: their entries in order (a fund's by (time, id); a
   * loan's repayments by when the lender consented, see {@link lenderOrder}), each counting only
   * when the limits hold after the ones before it. A function of the set, whatever the arrival
   * order; run before any read.
   */
  private flush(): void {
    if (this.dirty.size === 0) return;
    const groups = [...this.dirty];
    this.dirty.clear();
    for (const g of groups) {
      const ids = this.groups.get(g);
      if (ids === undefined) continue;
      const members = [...ids].map((id) => this.recs.get(id)!);
      if (g.startsWith('loan:')) this.foldLoan(g.slice(5), this.lenderOrder(g.slice(5), members));
      else this.foldFund(members.sort(byTimeId));
    }
  }

  /**
   * The repayments of one member loan in the order the lender consented to them, measured in the
   * lender's own chain (which the lender cannot backdate without forking it): the seq of the repay
   * itself when the lender wrote it, else of the lender's earliest `confirm` of it. Repayments the
   * lender has not consented to (they do not count anyway) come after, all ties by (time, id). An
   * author's clock cannot put a repayment before one the lender had already accepted.
   */
  private lenderOrder(loanId: string, repays: MRec[]): MRec[] {
    const l = this.lookup(loanId)?.body;
    const lender = l?.kind === 'loan' ? toHex(l.lender) : null;
    const consentSeq = (r: MRec): number => {
      if (lender === null) return Infinity;
      const own = r.input.author === lender ? r.input.seq : Infinity;
      // The lender's earliest confirm (Stance.confirm keeps the lowest seq; a later dispute does not move it).
      return Math.min(own, this.stances.get(r.input.id)?.get(lender)?.confirm?.seq ?? Infinity);
    };
    const keyed = repays.map((r) => ({ r, seq: consentSeq(r) }));
    keyed.sort((a, b) => (a.seq !== b.seq ? (a.seq < b.seq ? -1 : 1) : byTimeId(a.r, b.r)));
    return keyed.map((k) => k.r);
  }

  /** Repayments of one loan: only while the loan counts, and never more than is outstanding. */
  private foldLoan(loanId: string, repays: readonly MRec[]): void {
    const loan = this.recs.get(loanId);
    const counts = loan?.counts === true && loan.input.body.kind === 'loan';
    let outstanding = counts && loan.input.body.kind === 'loan' ? BigInt(loan.input.body.amount) : 0n;
    for (const r of repays) {
      const amount = r.input.body.kind === 'repay' ? BigInt(r.input.body.amount) : 0n;
      let reason: BlockReason | null = null;
      if (!counts) reason = 'target-not-counted';
      else if (amount > outstanding) reason = 'over-outstanding';
      this.settle(r, reason);
      if (r.counts) outstanding -= amount;
    }
  }

  /**
   * The entries of one fund: cash never below zero, the pool never below zero, a repayment only of
   * a counted debt and up to what is outstanding, a spending from a source only while the source
   * counts and has money left, a share-out only of exactly what the fund holds.
   */
  private foldFund(entries: readonly MRec[]): void {
    const figures = new Map<string, FundFigures>();
    const fig = (unit: string): FundFigures => {
      let f = figures.get(unit);
      if (f === undefined) figures.set(unit, (f = { cash: 0n, pool: 0n, savings: new Map() }));
      return f;
    };
    const debts = new Map<string, bigint>(); // counted fund/loan or fund/fine → outstanding
    const sources = new Map<string, bigint>(); // counted fund/contribute → left to spend
    for (const r of entries) {
      const b = r.input.body;
      let reason: BlockReason | null = null;
      switch (b.kind) {
        case 'fund/deposit': {
          this.settle(r, null);
          if (r.counts) {
            const f = fig(b.unit);
            f.cash += BigInt(b.amount);
            const k = toHex(b.member);
            f.savings.set(k, (f.savings.get(k) ?? 0n) + BigInt(b.amount));
          }
          break;
        }
        case 'fund/fine':
          this.settle(r, null);
          if (r.counts) {
            fig(b.unit).pool += BigInt(b.amount);
            debts.set(r.input.id, BigInt(b.amount));
          }
          break;
        case 'fund/loan': {
          const f = fig(b.unit);
          this.settle(r, f.cash < BigInt(b.amount) ? 'no-cash' : null);
          if (r.counts) {
            f.cash -= BigInt(b.amount);
            f.pool += BigInt(b.charge);
            debts.set(r.input.id, BigInt(b.amount + b.charge));
          }
          break;
        }
        case 'fund/repay': {
          const debtId = toHex(b.debt);
          const left = debts.get(debtId);
          const a = BigInt(b.amount);
          reason = left === undefined ? 'target-not-counted' : a > left ? 'over-outstanding' : null;
          this.settle(r, reason);
          if (r.counts) {
            debts.set(debtId, left! - a);
            const d = this.lookup(debtId)?.body;
            if (d !== undefined && 'unit' in d) fig(d.unit).cash += a;
          }
          break;
        }
        case 'fund/contribute':
          this.settle(r, null);
          if (r.counts) {
            const f = fig(b.unit);
            f.cash += BigInt(b.amount);
            f.pool += BigInt(b.amount);
            sources.set(r.input.id, BigInt(b.amount));
          }
          break;
        case 'fund/payout':
        case 'fund/spend': {
          const f = fig(b.unit);
          const a = BigInt(b.amount);
          const source = b.kind === 'fund/spend' && b.source !== undefined ? toHex(b.source) : null;
          if (source !== null && (sources.get(source) ?? -1n) < a) reason = 'source';
          else if (f.cash < a) reason = 'no-cash';
          else if (f.pool < a) reason = 'no-pool';
          this.settle(r, reason);
          if (r.counts) {
            f.cash -= a;
            f.pool -= a;
            if (source !== null) sources.set(source, sources.get(source)! - a);
          }
          break;
        }
        case 'fund/shareout': {
          const f = fig(b.unit);
          let total = 0n;
          let profit = 0n;
          let match = true;
          for (const row of b.payouts) {
            if ((f.savings.get(toHex(row.key)) ?? 0n) !== BigInt(row.savings)) match = false;
            total += BigInt(row.savings + row.profit);
            profit += BigInt(row.profit);
          }
          const listed = new Set(b.payouts.map((row) => toHex(row.key)));
          for (const [k, v] of f.savings) if (v !== 0n && !listed.has(k)) match = false;
          // Exactly what the fund holds: every saver's savings, the whole pool, and all the cash.
          if (profit !== f.pool || total !== f.cash) match = false;
          this.settle(r, match ? null : 'shareout-mismatch');
          if (r.counts) {
            f.cash = 0n;
            f.pool = 0n;
            f.savings.clear();
          }
          break;
        }
        default:
          this.settle(r, null);
      }
    }
  }

  /** A group member counts when it consents and `reason` is null; a consented one held back is `blocked`. */
  private settle(r: MRec, reason: BlockReason | null): void {
    const counts = r.consents && reason === null;
    r.blocked = r.consents && reason !== null ? reason : null;
    if (r.consents) r.status = counts ? 'counted' : 'blocked';
    this.track(r);
    this.setCounts(r, counts);
  }

  /** Keeps `open` (sorted by time, id) and the pending count in step with `r`'s status. */
  private track(r: MRec): void {
    const isOpen = r.status === 'pending' || r.status === 'disputed';
    const i = sortedIndex(this.open, r);
    const there = this.open[i] === r;
    if (there && r.tracked === 'pending') this.pendingN--;
    if (isOpen && !there) this.open.splice(i, 0, r);
    else if (!isOpen && there) this.open.splice(i, 1);
    if (r.status === 'pending') this.pendingN++;
    const j = sortedIndex(this.disputedRecs, r);
    const listed = this.disputedRecs[j] === r;
    if (r.status === 'disputed' && !listed) this.disputedRecs.splice(j, 0, r);
    else if (r.status !== 'disputed' && listed) this.disputedRecs.splice(j, 1);
    r.tracked = r.status;
  }

  private verdict(r: MRec, postings: readonly Posting[]): { waitingFor: string[]; disputed: boolean } {
    const required = (r.required ??= requiredConsents(postings));
    const stances = this.stances.get(r.input.id);
    const confirmed = (who: string): boolean => {
      if (who === ADMIN) {
        if (r.input.authorIsAdmin) return true;
        for (const s of stances?.values() ?? []) if (s.adminConfirm) return true;
        return false;
      }
      // Authoring is final like a confirm: the author consents, whatever they write about it later.
      if (who === r.input.author) return true;
      const s = stances?.get(who);
      return s !== undefined && stanceOf(s) === 'confirm';
    };
    let disputed = false;
    // The author's own dispute of their entry changes nothing (they write a `reverse` to take it out).
    for (const [member, s] of stances ?? []) if (member !== r.input.author && stanceOf(s) === 'dispute') disputed = true;
    return { waitingFor: required.filter((w) => !confirmed(w)), disputed };
  }

  private post(account: string, unit: string, amount: bigint): void {
    let byUnit = this.balances.get(account);
    if (byUnit === undefined) this.balances.set(account, (byUnit = new Map<string, bigint>()));
    const v = (byUnit.get(unit) ?? 0n) + amount;
    if (v === 0n) byUnit.delete(unit);
    else byUnit.set(unit, v);
    if (byUnit.size === 0) this.balances.delete(account);
  }

  // ------------------------------------------------------------ reading

  /** Balance of one account in one unit (0 when none). */
  balance(account: string, unit: string): bigint {
    this.flush();
    return this.balances.get(account)?.get(unit) ?? 0n;
  }

  /** Every non-zero balance: account → unit → amount, sorted by account. */
  allBalances(): [string, [string, bigint][]][] {
    this.flush();
    return [...this.balances.entries()]
      .map(([a, m]): [string, [string, bigint][]] => [a, [...m.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))])
      .sort((x, y) => (x[0] < y[0] ? -1 : 1));
  }

  /** Status, postings and missing consents of a money entry (reverse entries included). */
  statusOf(id: string): { status: MoneyStatus; postings: readonly Posting[]; waitingFor: readonly string[]; blocked: BlockReason | null } | undefined {
    this.flush();
    const r = this.recs.get(id);
    return r === undefined ? undefined : { status: r.status, postings: r.postings ?? [], waitingFor: r.waitingFor, blocked: r.blocked };
  }

  /** Every money entry with postings, in (time, id) order. */
  *moneyEntries(): Generator<{ input: MoneyInput; status: MoneyStatus; postings: readonly Posting[]; waitingFor: readonly string[] }> {
    this.flush();
    const all = [...this.recs.values()].sort((a, b) => a.input.time - b.input.time || (a.input.id < b.input.id ? -1 : 1));
    for (const r of all) yield { input: r.input, status: r.status, postings: r.postings ?? [], waitingFor: r.waitingFor };
  }

  /** How many money entries wait for consent (status `pending`). */
  get pendingCount(): number {
    this.flush();
    return this.pendingN;
  }

  /** The money entries pending or disputed, newest (time, id) first: {@link moneyEntries} filtered and reversed, without walking the others. */
  *openNewestFirst(): Generator<MoneyEntryView> {
    this.flush();
    for (let i = this.open.length - 1; i >= 0; i--) yield view(this.open[i]!);
  }

  /** The same entries as the state holds them, oldest first, without copying (a busy book has tens of thousands). Read only. */
  openList(): readonly MoneyRecord[] {
    this.flush();
    return this.open;
  }

  /** The disputed entries alone, oldest first, without copying. Read only. */
  disputedList(): readonly MoneyRecord[] {
    this.flush();
    return this.disputedRecs;
  }

  /** Members owning an account that a record's postings move. */
  ownersOf(r: MoneyRecord): readonly string[] {
    const m = r as MRec;
    if (m.owners !== undefined) return m.owners;
    const out: string[] = [];
    for (const x of m.postings ?? []) {
      const o = ownerOf(x.account);
      if (o !== null && !out.includes(o)) out.push(o);
    }
    if (m.postings !== null) m.owners = out;
    return out;
  }

  /** Loans, fund loans and fines, newest (time, id) first. */
  *loansNewestFirst(): Generator<MoneyEntryView> {
    this.flush();
    for (let i = this.loanRecs.length - 1; i >= 0; i--) yield view(this.loanRecs[i]!);
  }

  /** The pairwise debts of every counted entry added up: `debtor|creditor|unit` → amount (never 0). */
  debts(): ReadonlyMap<string, bigint> {
    this.flush();
    return this.owes;
  }

  /** Parties of a money entry (for a reversal: of what it reverses), ascending; empty when unknown. */
  partiesOf(id: string): string[] {
    const r = this.recs.get(id);
    if (r === undefined) return [];
    const b = r.input.body;
    const base = b.kind === 'reverse' ? this.lookup(toHex(b.entry))?.body : b;
    if (base === undefined) return [];
    return [...partiesOf(mergePostings(derivePostings(base, this.lookup) ?? []), base, this.lookup)].sort();
  }

  /** Whether `member` has a valid confirm of entry `id` (a confirm is final: their dispute of it would change nothing). */
  hasConfirmed(id: string, member: string): boolean {
    return (this.stances.get(id)?.get(member)?.confirm ?? null) !== null;
  }

  /** Disputes of an entry in effect: who disputed and why (not its author's own, nor a member's who confirmed it). */
  disputesOf(id: string): { member: string; reason: string; id: string }[] {
    this.flush();
    const author = this.recs.get(id)?.input.author;
    const out: { member: string; reason: string; id: string }[] = [];
    for (const [member, s] of this.stances.get(id) ?? []) {
      if (member !== author && stanceOf(s) === 'dispute' && s.dispute !== null) out.push({ member, reason: s.dispute.reason, id: s.dispute.id });
    }
    return out.sort((a, b) => (a.member < b.member ? -1 : 1));
  }

  /** Ids of counted repayments of a loan or fund debt. */
  repaymentsOf(id: string): string[] {
    this.flush();
    return [...(this.repays.get(id) ?? [])].filter((r) => this.recs.get(r)?.counts === true).sort();
  }
}
