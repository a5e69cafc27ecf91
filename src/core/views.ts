/**
 * Views for the app's screens: the book home for one member, the journal (filtered, paged, newest
 * first), one entry with everything known about it, members, an account's balance over time, and
 * the problems (forks, refusals, held entries). Pure functions of a Book and their arguments; times
 * are passed in. Amounts are decimal strings of subunits (bigint-safe JSON), keys and ids are hex.
 *
 * The shapes are those of the worker protocol (src/worker/protocol.ts), declared here again
 * because the core imports no other layer; the engine's method signatures check that they agree.
 */
import type { Book } from './book.js';
import { equalBytes, toHex } from './bytes.js';
import type { CborMap, CborValue } from './cbor.js';
import type { ParsedEntry } from './entry.js';
import { ADMIN, ownerOf, type Posting } from './money.js';
import { accountName, directDebts, homeLoans, item, settlePlan, totals, type MoneyItem } from './money-views.js';
import { REF_KINDS } from './kinds/registry.js';

export type Subunits = string;

export interface MoneyRow {
  readonly id: string;
  readonly kind: string;
  readonly author: string;
  readonly time: number;
  readonly status: string;
  readonly waitingFor: readonly string[];
  /** Members who may confirm, dispute or reverse it (FORMAT.md §8), ascending. */
  readonly parties: readonly string[];
  readonly postings: readonly { account: string; name: string; unit: string; amount: Subunits }[];
  readonly memo: string | null;
}

export interface LoanRow {
  readonly id: string;
  readonly kind: string;
  readonly lender: string;
  readonly borrower: string;
  readonly unit: string;
  readonly principal: Subunits;
  readonly repaid: Subunits;
  readonly outstanding: Subunits;
  readonly due: number | null;
  readonly status: string;
}

export interface TransferRow {
  readonly from: string;
  readonly to: string;
  readonly unit: string;
  readonly amount: Subunits;
}

export interface HomeView {
  readonly inbox: readonly MoneyRow[];
  readonly waitingForOthers: readonly MoneyRow[];
  /** Disputed money entries: what was claimed (author, time, postings) and each dispute (who, when, why). */
  readonly disputed: readonly {
    id: string;
    kind: string;
    author: string;
    time: number;
    postings: MoneyRow['postings'];
    disputes: readonly { member: string; name: string; reason: string; time: number | null }[];
  }[];
  readonly loans: readonly LoanRow[];
  readonly directDebts: readonly TransferRow[];
  readonly settle: readonly TransferRow[];
  readonly held: number;
}

export interface JournalQuery {
  readonly member?: string;
  readonly kind?: string;
  readonly unit?: string;
  readonly from?: number;
  readonly to?: number;
  readonly text?: string;
  readonly offset: number;
  readonly limit: number;
}

export interface JournalLine {
  readonly amount?: Subunits;
  readonly unit?: string;
  readonly from?: string;
  readonly to?: string;
  readonly text?: string;
}

export interface JournalRow {
  readonly id: string;
  readonly kind: string;
  readonly author: string;
  readonly authorName: string;
  readonly seq: number;
  readonly time: number;
  readonly status: string;
  readonly money: string | null;
  readonly line: JournalLine;
}

export interface JournalPage {
  readonly total: number;
  readonly rows: readonly JournalRow[];
}

export interface EntryDetail {
  readonly id: string;
  readonly kind: string;
  readonly author: string;
  readonly authorName: string;
  readonly seq: number;
  readonly chainLength: number;
  readonly time: number;
  readonly prev: string | null;
  readonly links: readonly string[];
  readonly referredBy: readonly { id: string; kind: string; author: string }[];
  readonly status: string;
  readonly reason: string | null;
  readonly money: MoneyRow | null;
  readonly body: unknown;
  readonly signatureChecked: boolean;
  readonly witnesses: { readonly count: number; readonly of: number };
  readonly size: number;
}

export interface MemberView {
  readonly key: string;
  readonly name: string;
  readonly status: 'member' | 'requested' | 'removed';
  readonly admin: boolean;
  readonly entries: number;
  readonly lastEntry: number | null;
  readonly balances: Readonly<Record<string, Subunits>>;
}

export type SeriesAccount = { readonly member: string } | { readonly fund: string };

export interface SeriesPoint {
  readonly time: number;
  readonly balance: Subunits;
  readonly id: string;
}

export interface ProblemsView {
  readonly forks: readonly {
    author: string;
    authorName: string;
    seq: number;
    entries: readonly { id: string; kind: string; time: number; body: unknown; hex: string }[];
  }[];
  readonly rejected: readonly { id: string | null; reason: string; field: string; message: string; source: string; time: number | null }[];
  readonly rejectedTotal: number;
  readonly held: readonly { id: string; waitingFor: readonly string[]; awaitingAdmission: boolean }[];
}

// ------------------------------------------------------------------ shared helpers

/** Display names of the book's members by key. */
export function memberNames(book: Book): Map<string, string> {
  return new Map(book.members().map((m) => [m.key, m.name]));
}

/** A member's display name, or a short key for someone the book does not name. */
export function nameOf(names: ReadonlyMap<string, string>, key: string): string {
  return names.get(key) ?? `${key.slice(0, 8)}…`;
}

/** A decoded CBOR value as JSON-safe data: byte strings as hex, maps as objects, big integers as strings. */
export function jsonSafe(v: CborValue): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return (v as readonly CborValue[]).map(jsonSafe);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v as CborMap) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}

const str = (m: ReadonlyMap<string, bigint> | undefined): Record<string, string> =>
  Object.fromEntries([...(m ?? new Map<string, bigint>()).entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([u, v]) => [u, v.toString()]));

function postingRows(book: Book, postings: readonly Posting[], names: Map<string, string>): MoneyRow['postings'] {
  return postings.map((x) => ({ account: x.account, name: accountName(book, x.account, names), unit: x.unit, amount: x.amount.toString() }));
}

function moneyRow(book: Book, m: MoneyItem, names: Map<string, string>): MoneyRow {
  return { id: m.id, kind: m.kind, author: m.author, time: m.time, status: m.status, waitingFor: [...m.waitingFor], parties: book.money.partiesOf(m.id), postings: postingRows(book, m.postings, names), memo: m.memo };
}

/** The memo of a body (memo, else reason), as money-views words it. */
function memoOfBody(body: CborMap): string | null {
  const memo = body.get('memo');
  if (typeof memo === 'string') return memo;
  const reason = body.get('reason');
  return typeof reason === 'string' ? reason : null;
}

/** The money row of one entry, or null when it carries no postings (not a money kind, or not valid). */
export function moneyRowOf(book: Book, id: string, names = memberNames(book)): MoneyRow | null {
  const s = book.money.statusOf(id);
  const p = book.entry(id);
  if (s === undefined || p === undefined) return null;
  return {
    id,
    kind: p.entry.kind,
    author: p.authorHex,
    time: p.entry.time,
    status: s.status,
    waitingFor: [...s.waitingFor],
    parties: book.money.partiesOf(id),
    postings: postingRows(book, s.postings, names),
    memo: memoOfBody(p.entry.body),
  };
}

// ------------------------------------------------------------------ home

/** Most items of each home list (newest first): the journal and the inbox screens page through the rest. */
export const HOME_LIST_MAX = 200;

/**
 * What the book home shows for member `me` beyond the summary, at time `at` (for overdue loans).
 * Lists are newest first, at most {@link HOME_LIST_MAX} items each. `loans`: the loans and fund
 * debts of `me` (any status), then the other members' loans still open (pending, disputed,
 * outstanding, overdue).
 */
export function homeView(book: Book, me: string | null, at: number, heldIds?: Iterable<string>): HomeView {
  const names = memberNames(book);
  const admin = me !== null && book.members().some((m) => m.key === me && m.admin);
  const inbox: MoneyRow[] = [];
  const waiting: MoneyRow[] = [];
  const disputed: HomeView['disputed'][number][] = [];
  // Only pending and disputed entries are listed: the state keeps them apart from the counted ones,
  // and a busy book has tens of thousands of them, so they are read in place, newest first.
  const open = book.money.openList();
  for (let i = open.length - 1; i >= 0 && me !== null; i--) {
    if (inbox.length >= HOME_LIST_MAX && waiting.length >= HOME_LIST_MAX) break;
    const m = open[i]!;
    if (m.status !== 'pending') continue;
    if (m.waitingFor.includes(me) || (admin && m.waitingFor.includes(ADMIN))) {
      if (inbox.length < HOME_LIST_MAX) inbox.push(moneyRow(book, item(m), names));
    } else if (waiting.length < HOME_LIST_MAX && (m.input.author === me || book.money.ownersOf(m).includes(me))) {
      waiting.push(moneyRow(book, item(m), names));
    }
  }
  const contested = book.money.disputedList();
  for (let i = contested.length - 1; i >= 0 && disputed.length < HOME_LIST_MAX; i--) {
    const m = item(contested[i]!);
    disputed.push({
      id: m.id,
      kind: m.kind,
      author: m.author,
      time: m.time,
      postings: postingRows(book, m.postings, names),
      disputes: book.money.disputesOf(m.id).map((d) => ({ member: d.member, name: nameOf(names, d.member), reason: d.reason, time: book.entry(d.id)?.entry.time ?? null })),
    });
  }
  const loanRows = homeLoans(book, me, at, HOME_LIST_MAX)
    .map((l) => ({ ...l, principal: l.principal.toString(), repaid: l.repaid.toString(), outstanding: l.outstanding.toString() }));
  let held = 0;
  // `heldIds`: the held entries when the caller keeps them (the engine does), instead of a walk of the book.
  if (me !== null) for (const id of heldIds ?? book.held().map((h) => h.id)) if (book.entry(id)?.authorHex === me) held++;
  const transfer = (t: { from: string; to: string; unit: string; amount: bigint }): TransferRow => ({ from: t.from, to: t.to, unit: t.unit, amount: t.amount.toString() });
  return { inbox, waitingForOthers: waiting, disputed, loans: loanRows, directDebts: directDebts(book).map(transfer), settle: settlePlan(book).map(transfer), held };
}

// ------------------------------------------------------------------ members

/** Members with their valid entry count, their latest entry's time and their balances (as the summary totals them). */
export function memberViews(book: Book): MemberView[] {
  const t = totals(book);
  const heads = new Map(book.headList().map((h) => [h.author, h]));
  return book.members().map((m) => {
    const h = heads.get(m.key);
    return {
      key: m.key,
      name: m.name,
      status: m.status,
      admin: m.admin,
      entries: h?.seq ?? 0,
      lastEntry: h === undefined ? null : book.entry(h.id)!.entry.time,
      balances: str(t.members.get(m.key)),
    };
  });
}

// ------------------------------------------------------------------ one entry

/** Body fields that name another entry (repayments, fund references, confirm/dispute/reverse). */
const REF_FIELDS = ['loan', 'debt', 'fund', 'source', 'entry'] as const;

/** Does `p` refer to entry `id`: as its prev, a link, or in its body? */
function refersTo(p: ParsedEntry, id: Uint8Array): boolean {
  const e = p.entry;
  if (e.prev !== undefined && e.prev[0] === id[0] && equalBytes(e.prev, id)) return true;
  for (const l of e.links) if (l[0] === id[0] && equalBytes(l, id)) return true;
  if (!REF_KINDS.has(e.kind)) return false;
  for (const f of REF_FIELDS) {
    const v = e.body.get(f);
    if (v instanceof Uint8Array && v[0] === id[0] && equalBytes(v, id)) return true;
  }
  return false;
}

/** Everything about one entry (the proof screen), or null when the book holds no entry `id`. */
export function entryDetail(book: Book, id: string): EntryDetail | null {
  const p = book.entry(id);
  const status = book.status(id);
  if (p === undefined || status === undefined) return null;
  const names = memberNames(book);
  const e = p.entry;
  const referredBy: { id: string; kind: string; author: string; time: number }[] = [];
  for (const o of book.unordered()) {
    if (o.id !== id && refersTo(o.entry, p.id)) referredBy.push({ id: o.id, kind: o.entry.entry.kind, author: o.entry.authorHex, time: o.entry.entry.time });
  }
  referredBy.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
  const err = book.errorOf(id);
  const members = book.members().filter((m) => m.status === 'member').length;
  return {
    id,
    kind: e.kind,
    author: p.authorHex,
    authorName: nameOf(names, p.authorHex),
    seq: e.seq,
    chainLength: book.chainTip(p.authorHex)?.entry.seq ?? e.seq,
    time: e.time,
    prev: e.prev === undefined ? null : toHex(e.prev),
    links: e.links.map(toHex),
    referredBy: referredBy.map((r) => ({ id: r.id, kind: r.kind, author: r.author })),
    status,
    reason: err === null ? null : err.message,
    money: moneyRowOf(book, id, names),
    body: jsonSafe(e.body),
    // Every stored entry's signature was checked on arrival; a rejected one may have been refused
    // before its rules were read, so the screen does not claim it.
    signatureChecked: status === 'valid' || status === 'held' || status === 'frozen',
    witnesses: { count: book.witnesses(id), of: members },
    size: p.bytes.length,
  };
}

// ------------------------------------------------------------------ series

/**
 * An account's balance over time in one unit: one point per counted money entry that changed it,
 * oldest first. For a member, all their own accounts together (member, savings, debt), as
 * totals() sums them for the summary; for a fund, its cash box and pool. The last point equals the
 * balance the summary shows (no point: the balance is 0).
 */
export function series(book: Book, account: SeriesAccount, unit: string): SeriesPoint[] {
  const owns =
    'member' in account
      ? (a: string) => ownerOf(a) === account.member
      : (a: string) => a === `fund:${account.fund}` || a === `pool:${account.fund}`;
  const out: SeriesPoint[] = [];
  let balance = 0n;
  for (const m of book.money.moneyEntries()) {
    // A counted reversal posts nothing itself: it takes the reversed entry out (money.ts).
    if (m.status !== 'counted' || m.input.body.kind === 'reverse') continue;
    let delta = 0n;
    for (const x of m.postings) if (x.unit === unit && owns(x.account)) delta += x.amount;
    if (delta === 0n) continue;
    balance += delta;
    out.push({ time: m.input.time, balance: balance.toString(), id: m.input.id });
  }
  return out;
}

// ------------------------------------------------------------------ problems

/** What the device stored about refused inputs and where entries came from (the engine's records). */
export interface ProblemRecords {
  /** Inputs refused before they became entries, as stored (any order). */
  readonly rejections: readonly { id: string | null; reason: string; field: string; message: string; source: string; at: number }[];
  /** Where and when an entry arrived. */
  readonly origin: (id: string) => { storedAt: number; source: string } | undefined;
}

/** At most this many refusals are listed (newest first); `rejectedTotal` counts them all. */
export const PROBLEMS_REJECTED_MAX = 200;

/** Forks (both signed entries decoded), refused inputs and rule-rejected entries, held entries. */
export function problemsView(book: Book, records: ProblemRecords): ProblemsView {
  const names = memberNames(book);
  const forks = book.forks().map((f) => ({
    author: f.author,
    authorName: nameOf(names, f.author),
    seq: f.seq,
    entries: f.ids.map((id, i) => {
      const p = book.entry(id)!;
      return { id, kind: p.entry.kind, time: p.entry.time, body: jsonSafe(p.entry.body), hex: toHex(f.entries[i]!) };
    }),
  }));
  const rejected: ProblemsView['rejected'][number][] = [];
  for (const r of book.rejected()) {
    const o = records.origin(r.id);
    rejected.push({ id: r.id, reason: r.reason, field: r.field, message: r.message, source: o?.source ?? '', time: o?.storedAt ?? null });
  }
  for (const r of records.rejections) rejected.push({ id: r.id, reason: r.reason, field: r.field, message: r.message, source: r.source, time: r.at });
  rejected.sort((a, b) => (b.time ?? -1) - (a.time ?? -1) || ((a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : 0));
  return { forks, rejected: rejected.slice(0, PROBLEMS_REJECTED_MAX), rejectedTotal: rejected.length, held: book.held() };
}

// ------------------------------------------------------------------ journal

/** Most rows one journal page returns. */
export const JOURNAL_MAX_LIMIT = 500;

/** A party of a journal line, resolved to a name when a page is read (names arrive with member/join). */
type Party = { readonly m: string } | { readonly f: string } | { readonly n: string };

/** What the filters and the line need of an entry: fixed while its verdict stays (see JournalIndex.touch). */
interface Details {
  /** Member keys involved: the author, keys named in the body, owners of posted accounts. */
  readonly keys: readonly string[];
  readonly units: readonly string[];
  /** Lowercase searchable text: memo, reason, note text, fund names, the book's or joiner's name. */
  readonly text: string;
  readonly amount?: string;
  readonly unit?: string;
  readonly from?: Party;
  readonly to?: Party;
  readonly lineText?: string;
}

/** One journal row: the sort key, and details computed when a filter or a page first needs them. */
interface IndexRow {
  readonly id: string;
  readonly time: number;
  readonly p: ParsedEntry;
  d: Details | null;
}

/** Newest first, then by id. */
const rowOrder = (a: IndexRow, b: IndexRow): number => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const TEXT_FIELDS = ['text', 'memo', 'reason', 'name', 'purpose', 'donor'] as const;
const KEY_FIELDS = ['lender', 'borrower', 'from', 'to', 'member'] as const;
const ROW_FIELDS = ['payers', 'shares', 'weights', 'payouts'] as const;

/**
 * Hex of member keys, memoised: a book has few members and their keys occur in most entries.
 * Keyed by the first four bytes; a collision only costs a comparison.
 */
class KeyHex {
  private readonly memo = new Map<number, { bytes: Uint8Array; hex: string }[]>();
  of(b: Uint8Array): string {
    const k = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    let list = this.memo.get(k);
    if (list === undefined) this.memo.set(k, (list = []));
    for (const x of list) if (equalBytes(x.bytes, b)) return x.hex;
    const hex = toHex(b);
    if (list.length < 4) list.push({ bytes: b, hex });
    return hex;
  }
}

/**
 * The journal details of one entry, read from its body directly (no full body check: the entry
 * was checked when it arrived, and a rejected entry's body may be anything, so every read is
 * guarded by a type test).
 */
function details(book: Book, p: ParsedEntry, hex: KeyHex): Details {
  const e = p.entry;
  const body = e.body;
  const keys = new Set<string>([p.authorHex]);
  const units = new Set<string>();
  const text: string[] = [];
  const s = (k: string): string | undefined => {
    const v = body.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const bytes = (m: CborMap, k: string): Uint8Array | undefined => {
    const v = m.get(k);
    return v instanceof Uint8Array && v.length === 32 ? v : undefined;
  };
  const num = (m: CborMap, k: string): number | undefined => {
    const v = m.get(k);
    return typeof v === 'number' ? v : undefined;
  };
  for (const k of TEXT_FIELDS) {
    const v = s(k);
    if (v !== undefined) text.push(v);
  }
  for (const k of KEY_FIELDS) {
    const v = bytes(body, k);
    if (v !== undefined) keys.add(hex.of(v));
  }
  const payers: string[] = [];
  for (const k of ROW_FIELDS) {
    const v = body.get(k);
    if (!Array.isArray(v)) continue;
    for (const r of v as readonly CborValue[]) {
      if (!Array.isArray(r) || !(r[0] instanceof Uint8Array)) continue;
      const key = hex.of(r[0]);
      keys.add(key);
      if (k === 'payers') payers.push(key);
    }
  }
  const bodyUnit = s('unit');
  if (bodyUnit !== undefined) units.add(bodyUnit);
  const money = book.money.statusOf(p.idHex);
  for (const x of money?.postings ?? []) {
    units.add(x.unit);
    const owner = ownerOf(x.account);
    if (owner !== null) keys.add(owner);
  }
  const out: { -readonly [K in keyof Details]: Details[K] } = { keys: [], units: [], text: '' };
  const amount = num(body, 'amount') ?? num(body, 'total');
  if (amount !== undefined) out.amount = (e.kind === 'fund/loan' ? amount + (num(body, 'charge') ?? 0) : amount).toString();
  if (bodyUnit !== undefined) out.unit = bodyUnit;
  const member = (k: Uint8Array | undefined): Party | undefined => (k === undefined ? undefined : { m: hex.of(k) });
  const fund = (id: Uint8Array | undefined): Party | undefined => {
    if (id === undefined) return undefined;
    const f = toHex(id);
    const name = book.money.funds.get(f)?.name;
    if (name !== undefined) text.push(name);
    return { f };
  };
  /** The body of a referenced entry (the loan a repayment repays, the entry a confirmation names). */
  const ref = (k: string): ParsedEntry | undefined => {
    const id = bytes(body, k);
    return id === undefined ? undefined : book.entry(toHex(id));
  };
  let from: Party | undefined;
  let to: Party | undefined;
  switch (e.kind) {
    case 'loan':
      from = member(bytes(body, 'lender'));
      to = member(bytes(body, 'borrower'));
      break;
    case 'payment':
    case 'gift':
      from = member(bytes(body, 'from'));
      to = member(bytes(body, 'to'));
      break;
    case 'expense':
      if (payers.length === 1) from = { m: payers[0]! };
      break;
    case 'repay':
    case 'fund/repay': {
      const t = ref(e.kind === 'repay' ? 'loan' : 'debt');
      if (t === undefined) break;
      const tb = t.entry.body;
      const unit = tb.get('unit');
      if (typeof unit === 'string') {
        out.unit = unit;
        units.add(unit);
      }
      const debtor = bytes(tb, e.kind === 'repay' ? 'borrower' : 'member');
      if (debtor !== undefined) keys.add(hex.of(debtor));
      from = member(debtor);
      if (e.kind === 'repay') {
        const lender = bytes(tb, 'lender');
        if (lender !== undefined) keys.add(hex.of(lender));
        to = member(lender);
      } else to = fund(bytes(tb, 'fund'));
      break;
    }
    case 'fund/deposit':
    case 'fund/fine':
      from = member(bytes(body, 'member'));
      to = fund(bytes(body, 'fund'));
      break;
    case 'fund/loan':
    case 'fund/payout':
      from = fund(bytes(body, 'fund'));
      to = member(bytes(body, 'member'));
      break;
    case 'fund/contribute': {
      const donor = s('donor');
      from = member(bytes(body, 'from')) ?? (donor === undefined ? undefined : { n: donor });
      to = fund(bytes(body, 'fund'));
      break;
    }
    case 'fund/spend':
      from = fund(bytes(body, 'fund'));
      break;
    case 'fund/shareout': {
      from = fund(bytes(body, 'fund'));
      let total = 0;
      const rows = body.get('payouts');
      if (Array.isArray(rows)) for (const r of rows as readonly CborValue[]) if (Array.isArray(r)) for (const x of (r as readonly CborValue[]).slice(1)) if (typeof x === 'number') total += x;
      out.amount = total.toString();
      break;
    }
    case 'confirm':
    case 'dispute':
    case 'reverse': {
      const t = ref('entry');
      if (t === undefined) break;
      to = { m: t.authorHex };
      for (const x of book.money.statusOf(t.idHex)?.postings ?? []) units.add(x.unit);
      const tu = t.entry.body.get('unit');
      if (typeof tu === 'string') units.add(tu);
      break;
    }
    case 'member/remove':
    case 'member/role':
    case 'member/admit':
      to = member(bytes(body, 'member'));
      break;
    default:
      break;
  }
  if (from !== undefined) out.from = from;
  if (to !== undefined) out.to = to;
  const lineText = s('memo') ?? s('reason') ?? s('text') ?? s('name');
  if (lineText !== undefined) out.lineText = lineText;
  out.keys = [...keys];
  out.units = [...units];
  out.text = text.join('\n').toLowerCase();
  return out;
}

/** The journal query without paging, normalised: the key of a cached result. */
function filterKey(q: JournalQuery): string {
  const text = q.text?.trim().toLowerCase();
  return JSON.stringify([q.member ?? null, q.kind ?? null, q.unit ?? null, q.from ?? null, q.to ?? null, text === '' ? null : (text ?? null)]);
}

/**
 * The journal of one book: every entry the book holds, newest first (time descending, then id),
 * filtered and paged. Rows are sorted once; what filters need of an entry (keys, units, text) is
 * computed when a filter first needs it, so the first unfiltered page costs only the sort. The
 * owner tells the index which entries changed ({@link touch}): their details are recomputed when
 * needed, new entries are merged in on the next query. A filter's matches are cached, so
 * scrolling (the same filter, a later offset) costs only the page. Names and verdicts are read
 * when a page is built, so they are always current.
 */
export class JournalIndex {
  private rows: IndexRow[] = [];
  private readonly byId = new Map<string, IndexRow>();
  private dirty = new Set<string>();
  private readonly cache = new Map<string, readonly IndexRow[]>();
  private readonly hex = new KeyHex();

  constructor(private readonly book: Book) {
    for (const { id, entry } of book.unordered()) {
      const r: IndexRow = { id, time: entry.entry.time, p: entry, d: null };
      this.rows.push(r);
      this.byId.set(id, r);
    }
    this.rows.sort(rowOrder);
  }

  /** Entries that are new or whose verdict may have changed (e.g. the ids of Book.takeChanges()). */
  touch(ids: Iterable<string>): void {
    for (const id of ids) this.dirty.add(id);
    this.cache.clear(); // names and verdicts may have changed what a filter matches
  }

  private refresh(): void {
    if (this.dirty.size === 0) return;
    const fresh: IndexRow[] = [];
    const gone = new Set<string>();
    for (const id of this.dirty) {
      const p = this.book.entry(id);
      if (p === undefined) {
        // No longer in the book (an expired stranger entry, Book.expireStrangers).
        if (this.byId.delete(id)) gone.add(id);
        continue;
      }
      const old = this.byId.get(id);
      if (old !== undefined) old.d = null;
      else {
        const row: IndexRow = { id, time: p.entry.time, p, d: null };
        fresh.push(row);
        this.byId.set(id, row);
      }
    }
    this.dirty = new Set();
    if (gone.size > 0) this.rows = this.rows.filter((r) => !gone.has(r.id));
    if (fresh.length === 0) return;
    fresh.sort(rowOrder);
    // Merge the new rows into the sorted list: one pass, not one splice per row.
    const merged: IndexRow[] = new Array<IndexRow>(this.rows.length + fresh.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.rows.length && j < fresh.length) merged[k++] = rowOrder(this.rows[i]!, fresh[j]!) <= 0 ? this.rows[i++]! : fresh[j++]!;
    while (i < this.rows.length) merged[k++] = this.rows[i++]!;
    while (j < fresh.length) merged[k++] = fresh[j++]!;
    this.rows = merged;
  }

  private details(r: IndexRow): Details {
    return (r.d ??= details(this.book, r.p, this.hex));
  }

  /** The rows matching a query's filters, newest first (cached per filter). */
  private matches(q: JournalQuery): readonly IndexRow[] {
    this.refresh();
    const key = filterKey(q);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key); // most recently used last
      this.cache.set(key, hit);
      return hit;
    }
    const rows = this.rows;
    // Time bounds by binary search (rows are sorted by time descending).
    let lo = 0;
    let hi = rows.length;
    if (q.to !== undefined) lo = firstIndex(rows, (r) => r.time <= q.to!);
    if (q.from !== undefined) hi = firstIndex(rows, (r) => r.time < q.from!);
    const needle = q.text?.trim().toLowerCase() ?? '';
    const nameHits = new Set<string>();
    if (needle !== '') for (const m of this.book.members()) if (m.name.toLowerCase().includes(needle)) nameHits.add(m.key);
    const { member, kind, unit } = q;
    let out: readonly IndexRow[];
    if (lo === 0 && hi === rows.length && member === undefined && kind === undefined && unit === undefined && needle === '') out = rows;
    else {
      const list: IndexRow[] = [];
      for (let i = lo; i < hi; i++) {
        const r = rows[i]!;
        if (kind !== undefined && r.p.entry.kind !== kind) continue;
        if (member === undefined && unit === undefined && needle === '') {
          list.push(r);
          continue;
        }
        const d = this.details(r);
        if (member !== undefined && !d.keys.includes(member)) continue;
        if (unit !== undefined && !d.units.includes(unit)) continue;
        if (needle !== '' && !d.text.includes(needle) && !d.keys.some((k) => nameHits.has(k))) continue;
        list.push(r);
      }
      out = list;
    }
    this.cache.set(key, out);
    if (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value!);
    return out;
  }

  /** One page of the journal. `limit` is capped at {@link JOURNAL_MAX_LIMIT}. */
  query(q: JournalQuery): JournalPage {
    const all = this.matches(q);
    const offset = Math.max(0, Math.floor(Number.isFinite(q.offset) ? q.offset : 0));
    const limit = Math.min(JOURNAL_MAX_LIMIT, Math.max(0, Math.floor(Number.isFinite(q.limit) ? q.limit : 0)));
    const names = memberNames(this.book);
    const party = (x: Party | undefined): string | undefined =>
      x === undefined ? undefined : 'm' in x ? nameOf(names, x.m) : 'f' in x ? (this.book.money.funds.get(x.f)?.name ?? `${x.f.slice(0, 8)}…`) : x.n;
    const rows = all.slice(offset, offset + limit).map((r): JournalRow => {
      const d = this.details(r);
      const line: { -readonly [K in keyof JournalLine]: JournalLine[K] } = {};
      if (d.amount !== undefined) line.amount = d.amount;
      if (d.unit !== undefined) line.unit = d.unit;
      const from = party(d.from);
      if (from !== undefined) line.from = from;
      const to = party(d.to);
      if (to !== undefined) line.to = to;
      if (d.lineText !== undefined) line.text = d.lineText;
      const e = r.p.entry;
      return {
        id: r.id,
        kind: e.kind,
        author: r.p.authorHex,
        authorName: nameOf(names, r.p.authorHex),
        seq: e.seq,
        time: e.time,
        status: this.book.status(r.id) ?? 'held',
        money: this.book.money.statusOf(r.id)?.status ?? null,
        line,
      };
    });
    return { total: all.length, rows };
  }

  /** How many entries the index holds (after pending updates). */
  get size(): number {
    this.refresh();
    return this.rows.length;
  }
}

/** First index where `pred` holds, for a predicate that is false then true along `rows`. */
function firstIndex<T>(rows: readonly T[], pred: (r: T) => boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(rows[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The journal of a book in one call (builds an index; the engine keeps one per book instead). */
export function journal(book: Book, query: JournalQuery): JournalPage {
  return new JournalIndex(book).query(query);
}
