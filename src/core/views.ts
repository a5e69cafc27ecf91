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
import { MONEY_KINDS, readMoneyBody, type MoneyBody } from './money-kinds.js';
import { ADMIN, ownerOf, type Posting } from './money.js';
import { accountName, directDebts, loans, moneyItems, settlePlan, totals, type MoneyItem } from './money-views.js';

export type Subunits = string;

export interface MoneyRow {
  readonly id: string;
  readonly kind: string;
  readonly author: string;
  readonly time: number;
  readonly status: string;
  readonly waitingFor: readonly string[];
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
  readonly disputed: readonly { id: string; kind: string; disputes: readonly { member: string; name: string; reason: string }[] }[];
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
  return { id: m.id, kind: m.kind, author: m.author, time: m.time, status: m.status, waitingFor: [...m.waitingFor], postings: postingRows(book, m.postings, names), memo: m.memo };
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
    postings: postingRows(book, s.postings, names),
    memo: memoOfBody(p.entry.body),
  };
}

// ------------------------------------------------------------------ home

/**
 * What the book home shows for member `me` beyond the summary, at time `at` (for overdue loans).
 * Lists are newest first. `loans`: every loan still open (pending, disputed, outstanding, overdue)
 * and every loan where `me` lends or borrows.
 */
export function homeView(book: Book, me: string | null, at: number): HomeView {
  const names = memberNames(book);
  const admin = me !== null && book.members().some((m) => m.key === me && m.admin);
  const inbox: MoneyRow[] = [];
  const waiting: MoneyRow[] = [];
  const disputed: HomeView['disputed'][number][] = [];
  const items = moneyItems(book);
  for (let i = items.length - 1; i >= 0; i--) {
    const m = items[i]!;
    if (m.status === 'pending' && me !== null) {
      if (m.waitingFor.includes(me) || (admin && m.waitingFor.includes(ADMIN))) inbox.push(moneyRow(book, m, names));
      else if (m.author === me || m.postings.some((x) => ownerOf(x.account) === me)) waiting.push(moneyRow(book, m, names));
    } else if (m.status === 'disputed') {
      disputed.push({
        id: m.id,
        kind: m.kind,
        disputes: book.money.disputesOf(m.id).map((d) => ({ member: d.member, name: nameOf(names, d.member), reason: d.reason })),
      });
    }
  }
  const loanRows = loans(book, at)
    .filter((l) => (l.status !== 'repaid' && l.status !== 'reversed') || (me !== null && (l.lender === me || l.borrower === me)))
    .reverse()
    .map((l) => ({ ...l, principal: l.principal.toString(), repaid: l.repaid.toString(), outstanding: l.outstanding.toString() }));
  let held = 0;
  if (me !== null) for (const h of book.held()) if (book.entry(h.id)?.authorHex === me) held++;
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

/** What the journal keeps per entry: fixed once the entry's verdict is known (see JournalIndex.touch). */
interface IndexRow {
  id: string;
  time: number;
  kind: string;
  author: string;
  seq: number;
  /** Member keys involved: the author, keys named in the body, owners of posted accounts. */
  keys: string[];
  units: string[];
  /** Lowercase searchable text: memo, reason, note text, fund names, the book or joiner's name. */
  text: string;
  amount?: string;
  unit?: string;
  from?: Party;
  to?: Party;
  lineText?: string;
}

const MONEY_KIND_SET: ReadonlySet<string> = new Set(MONEY_KINDS);
const KEY_FIELDS = ['lender', 'borrower', 'from', 'to', 'member'] as const;
const ROW_FIELDS = ['payers', 'shares', 'weights', 'payouts'] as const;

/** Newest first, then by id. */
const rowOrder = (a: IndexRow, b: IndexRow): number => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function readBody(kind: string, body: CborMap): MoneyBody | null {
  if (!MONEY_KIND_SET.has(kind)) return null;
  try {
    return readMoneyBody(kind, body);
  } catch {
    return null; // a rejected entry's body
  }
}

function makeRow(book: Book, p: ParsedEntry): IndexRow {
  const e = p.entry;
  const body = e.body;
  const keys = new Set<string>([p.authorHex]);
  const units = new Set<string>();
  const text: string[] = [];
  const row: IndexRow = { id: p.idHex, time: e.time, kind: e.kind, author: p.authorHex, seq: e.seq, keys: [], units: [], text: '' };
  const s = (k: string): string | undefined => {
    const v = body.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  for (const k of ['text', 'memo', 'reason', 'name', 'purpose', 'donor'] as const) {
    const v = s(k);
    if (v !== undefined) text.push(v);
  }
  for (const k of KEY_FIELDS) {
    const v = body.get(k);
    if (v instanceof Uint8Array && v.length === 32) keys.add(toHex(v));
  }
  for (const k of ROW_FIELDS) {
    const v = body.get(k);
    if (Array.isArray(v)) for (const r of v as readonly CborValue[]) if (Array.isArray(r) && r[0] instanceof Uint8Array) keys.add(toHex(r[0]));
  }
  const bodyUnit = s('unit');
  if (bodyUnit !== undefined) units.add(bodyUnit);
  const status = book.money.statusOf(p.idHex);
  for (const x of status?.postings ?? []) {
    units.add(x.unit);
    const owner = ownerOf(x.account);
    if (owner !== null) keys.add(owner);
  }
  const fundName = (id: Uint8Array | undefined): string | undefined => (id === undefined ? undefined : book.money.funds.get(toHex(id))?.name);
  const addFund = (id: Uint8Array | undefined) => {
    const n = fundName(id);
    if (n !== undefined) text.push(n);
  };
  const m = readBody(e.kind, body);
  const amount = (n: number | bigint) => (row.amount = n.toString());
  const member = (k: Uint8Array): Party => ({ m: toHex(k) });
  const fund = (id: Uint8Array): Party => ({ f: toHex(id) });
  const refBody = (id: Uint8Array): MoneyBody | null => {
    const t = book.entry(toHex(id));
    return t === undefined ? null : readBody(t.entry.kind, t.entry.body);
  };
  if (m !== null) {
    switch (m.kind) {
      case 'loan':
        amount(m.amount);
        row.unit = m.unit;
        row.from = member(m.lender);
        row.to = member(m.borrower);
        break;
      case 'repay': {
        amount(m.amount);
        const loan = refBody(m.loan);
        if (loan?.kind === 'loan') {
          row.unit = loan.unit;
          row.from = member(loan.borrower);
          row.to = member(loan.lender);
          units.add(loan.unit);
          keys.add(toHex(loan.borrower)).add(toHex(loan.lender));
        }
        break;
      }
      case 'payment':
      case 'gift':
        amount(m.amount);
        row.unit = m.unit;
        row.from = member(m.from);
        row.to = member(m.to);
        break;
      case 'expense':
        amount(m.total);
        row.unit = m.unit;
        if (m.payers.length === 1) row.from = member(m.payers[0]!.key);
        break;
      case 'fund/deposit':
        amount(m.amount);
        row.unit = m.unit;
        row.from = member(m.member);
        row.to = fund(m.fund);
        addFund(m.fund);
        break;
      case 'fund/loan':
        amount(m.amount + m.charge);
        row.unit = m.unit;
        row.from = fund(m.fund);
        row.to = member(m.member);
        addFund(m.fund);
        break;
      case 'fund/fine':
        amount(m.amount);
        row.unit = m.unit;
        row.from = member(m.member);
        row.to = fund(m.fund);
        addFund(m.fund);
        break;
      case 'fund/repay': {
        amount(m.amount);
        const debt = refBody(m.debt);
        if (debt?.kind === 'fund/loan' || debt?.kind === 'fund/fine') {
          row.unit = debt.unit;
          row.from = member(debt.member);
          row.to = fund(debt.fund);
          units.add(debt.unit);
          keys.add(toHex(debt.member));
          addFund(debt.fund);
        }
        break;
      }
      case 'fund/payout':
        amount(m.amount);
        row.unit = m.unit;
        row.from = fund(m.fund);
        row.to = member(m.member);
        addFund(m.fund);
        break;
      case 'fund/contribute':
        amount(m.amount);
        row.unit = m.unit;
        row.from = m.from !== undefined ? member(m.from) : m.donor !== undefined ? { n: m.donor } : undefined;
        if (row.from === undefined) delete row.from;
        row.to = fund(m.fund);
        addFund(m.fund);
        break;
      case 'fund/spend':
        amount(m.amount);
        row.unit = m.unit;
        row.from = fund(m.fund);
        addFund(m.fund);
        break;
      case 'fund/shareout':
        amount(m.payouts.reduce((a, r) => a + BigInt(r.savings + r.profit), 0n));
        row.unit = m.unit;
        row.from = fund(m.fund);
        addFund(m.fund);
        break;
      case 'confirm':
      case 'dispute':
      case 'reverse': {
        const target = book.entry(toHex(m.entry));
        if (target !== undefined) {
          row.to = { m: target.authorHex };
          const t = book.money.statusOf(target.idHex);
          for (const x of t?.postings ?? []) units.add(x.unit);
          const tu = target.entry.body.get('unit');
          if (typeof tu === 'string') units.add(tu);
        }
        break;
      }
      case 'member/remove':
      case 'member/role':
        row.to = member(m.member);
        break;
      case 'fund/open':
      case 'attest':
        break;
    }
  } else if (e.kind === 'member/admit') {
    const v = body.get('member');
    if (v instanceof Uint8Array) {
      row.to = member(v);
      keys.add(toHex(v));
    }
  }
  const lineText = s('memo') ?? s('reason') ?? s('text') ?? s('name');
  if (lineText !== undefined) row.lineText = lineText;
  row.keys = [...keys];
  row.units = [...units];
  row.text = text.join('\n').toLowerCase();
  return row;
}

/** The journal query without paging, normalised: the key of a cached result. */
function filterKey(q: JournalQuery): string {
  const text = q.text?.trim().toLowerCase();
  return JSON.stringify([q.member ?? null, q.kind ?? null, q.unit ?? null, q.from ?? null, q.to ?? null, text === '' ? null : (text ?? null)]);
}

/**
 * The journal of one book: every entry the book holds, newest first (time descending, then id),
 * filtered and paged. Rows are built once and kept sorted; the owner tells it which entries
 * changed ({@link touch}) and it updates only those (new ones are merged in) on the next query.
 * A filter's matches are cached, so scrolling (the same filter, a later offset) costs only the page.
 * Names and verdicts are read when a page is built, so they are always current.
 */
export class JournalIndex {
  private rows: IndexRow[] = [];
  private readonly byId = new Map<string, IndexRow>();
  private dirty = new Set<string>();
  private readonly cache = new Map<string, readonly IndexRow[]>();

  constructor(private readonly book: Book) {
    for (const { entry } of book.unordered()) {
      const r = makeRow(book, entry);
      this.rows.push(r);
      this.byId.set(r.id, r);
    }
    this.rows.sort(rowOrder);
  }

  /** Entries that are new or whose verdict may have changed (e.g. the ids of Book.takeChanges()). */
  touch(ids: Iterable<string>): void {
    for (const id of ids) this.dirty.add(id);
    this.cache.clear(); // names and verdicts may have changed what a text filter matches
  }

  private refresh(): void {
    if (this.dirty.size === 0) return;
    const fresh: IndexRow[] = [];
    for (const id of this.dirty) {
      const p = this.book.entry(id);
      if (p === undefined) continue;
      const row = makeRow(this.book, p);
      const old = this.byId.get(id);
      if (old !== undefined) {
        delete old.amount;
        delete old.unit;
        delete old.from;
        delete old.to;
        delete old.lineText;
        Object.assign(old, row);
      }
      else {
        fresh.push(row);
        this.byId.set(id, row);
      }
    }
    this.dirty = new Set();
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
        if (kind !== undefined && r.kind !== kind) continue;
        if (member !== undefined && !r.keys.includes(member)) continue;
        if (unit !== undefined && !r.units.includes(unit)) continue;
        if (needle !== '' && !r.text.includes(needle) && !r.keys.some((k) => nameHits.has(k))) continue;
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
      const line: { -readonly [K in keyof JournalLine]: JournalLine[K] } = {};
      if (r.amount !== undefined) line.amount = r.amount;
      if (r.unit !== undefined) line.unit = r.unit;
      const from = party(r.from);
      if (from !== undefined) line.from = from;
      const to = party(r.to);
      if (to !== undefined) line.to = to;
      if (r.lineText !== undefined) line.text = r.lineText;
      return {
        id: r.id,
        kind: r.kind,
        author: r.author,
        authorName: nameOf(names, r.author),
        seq: r.seq,
        time: r.time,
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
