/**
 * How entries are put into words and what a member may do with them, from the worker's view data
 * (JournalRow, EntryDetail). Pure: the screens pass in the translation and formatting functions.
 */
import { POSTING_KINDS } from '../../core/money.js';
import type { EntryDetail, JournalRow } from '../../worker/protocol.js';

/** The message key naming a kind ("kind.loan"), or null for a kind the app has no words for. */
export function kindKey(kind: string, known: (key: string) => boolean): string | null {
  const k = `kind.${kind}`;
  return known(k) ? k : null;
}

export type BadgeClass = 'counted' | 'pending' | 'disputed' | 'reversed' | 'blocked' | 'held' | 'rejected' | 'frozen';

/**
 * The status badge of an entry: its verdict when it is not valid (held, rejected, frozen), else
 * its money status (counted, pending, disputed, reversed); null for a valid entry that moves no money.
 */
export function badgeOf(row: { readonly status: string; readonly money: string | null }): BadgeClass | null {
  if (row.status === 'held' || row.status === 'rejected' || row.status === 'frozen') return row.status;
  if (row.status !== 'valid') return null;
  switch (row.money) {
    case 'counted':
    case 'pending':
    case 'disputed':
    case 'reversed':
    case 'blocked':
      return row.money;
    default:
      return null;
  }
}

/** The pieces of a journal row's money line, formatted: "12.50 CNY", "Li Si → Zhang San". */
export function lineParts(
  line: JournalRow['line'],
  amount: (subunits: string, unit: string) => string,
): { amount: string | null; from: string | null; to: string | null; text: string | null } {
  return {
    amount: line.amount !== undefined && line.unit !== undefined ? amount(line.amount, line.unit) : null,
    from: line.from ?? null,
    to: line.to ?? null,
    text: line.text ?? null,
  };
}

/**
 * Members who are parties to a money entry, as the core rules it (src/core/kinds/*: owners of its
 * own accounts and everyone its body names).
 */
export function partiesOf(detail: Pick<EntryDetail, 'money'>): Set<string> {
  return new Set(detail.money?.parties ?? []);
}

/** What this member may do with an entry now (the engine still decides: it may refuse). */
export interface Actions {
  /** The entry waits for this member's signature (or an admin's, and this member is an admin). */
  readonly confirm: boolean;
  readonly dispute: boolean;
  /** This member is a party or an admin, and the entry is a money entry that can still be reversed. */
  readonly reverse: boolean;
}

/**
 * The actions for `me` on an entry. Confirm and dispute: when it waits for me (DESIGN: only parties,
 * or an admin for fund entries, may); dispute not when `confirmed` (I have confirmed it: a confirm
 * is final, FORMAT.md §8, and the engine refuses the dispute), nor when I wrote it (authoring is
 * final like a confirm; the engine refuses that dispute too). Reverse: the rule of src/core/book.ts — the target is a
 * posting money entry (not a reversal), valid, not yet reversed, and the author is a party or an admin.
 */
export function actionsFor(detail: EntryDetail, me: string | null, admin: boolean, confirmed = false): Actions {
  const none = { confirm: false, dispute: false, reverse: false };
  if (me === null || detail.status !== 'valid' || detail.money === null) return none;
  const money = detail.money;
  const waits = money.waitingFor.includes(me) || (admin && money.waitingFor.includes('admin'));
  const open = money.status === 'pending' || money.status === 'disputed';
  const reversible = POSTING_KINDS.has(detail.kind) && money.status !== 'reversed';
  return {
    confirm: waits && open,
    dispute: waits && open && !confirmed && detail.author !== me,
    reverse: reversible && (admin || partiesOf(detail).has(me)),
  };
}

/** Field names whose values are member keys, entry ids, amounts or times, for the body in words. */
export const FIELD_KINDS: Readonly<Record<string, 'key' | 'entry' | 'amount' | 'time' | 'rows'>> = {
  lender: 'key',
  borrower: 'key',
  from: 'key',
  to: 'key',
  member: 'key',
  entry: 'entry',
  loan: 'entry',
  debt: 'entry',
  fund: 'entry',
  source: 'entry',
  amount: 'amount',
  total: 'amount',
  charge: 'amount',
  due: 'time',
  payers: 'rows',
  shares: 'rows',
  weights: 'rows',
  payouts: 'rows',
};

/** One body field in data form, ready for words: a plain value, a member, an entry, an amount, a time, or rows. */
export type FieldValue =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'key'; readonly key: string }
  | { readonly type: 'entry'; readonly id: string }
  | { readonly type: 'amount'; readonly subunits: string }
  | { readonly type: 'time'; readonly ms: number }
  | { readonly type: 'rows'; readonly rows: readonly { readonly key: string; readonly values: readonly string[] }[] };

const HEX64 = /^[0-9a-f]{64}$/;

/** The body's fields in data form (the screen words them); unknown shapes become JSON text. */
export function bodyFields(body: unknown): { name: string; value: FieldValue }[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  const out: { name: string; value: FieldValue }[] = [];
  for (const [name, v] of Object.entries(body as Record<string, unknown>)) {
    out.push({ name, value: fieldValue(name, v) });
  }
  return out;
}

function fieldValue(name: string, v: unknown): FieldValue {
  const kind = FIELD_KINDS[name];
  if (kind === 'key' && typeof v === 'string' && HEX64.test(v)) return { type: 'key', key: v };
  if (kind === 'entry' && typeof v === 'string' && HEX64.test(v)) return { type: 'entry', id: v };
  if (kind === 'amount' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint') && /^\d+$/.test(String(v))) return { type: 'amount', subunits: String(v) };
  if (kind === 'time' && typeof v === 'number') return { type: 'time', ms: v };
  if (kind === 'rows' && Array.isArray(v) && v.every((r) => Array.isArray(r) && typeof r[0] === 'string')) {
    return { type: 'rows', rows: (v as unknown[][]).map((r) => ({ key: String(r[0]), values: r.slice(1).map((x) => String(x)) })) };
  }
  if (typeof v === 'string') return { type: 'text', text: v };
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return { type: 'text', text: String(v) };
  return { type: 'text', text: JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? '' };
}

/**
 * Each member's current stance on an entry from the confirms and disputes naming it (FORMAT.md §8,
 * as src/core/money.ts): a confirm is final, so a member with a confirm stands by their first
 * confirm (a later confirm withdraws an earlier dispute; a later dispute changes nothing); else
 * their dispute with the highest seq in their own chain. Authoring is final like a confirm: the
 * disputes of `entryAuthor` (the entry's own author) change nothing and are left out.
 */
export function stances<T extends { readonly author: string; readonly seq: number; readonly kind: string }>(refs: readonly T[], entryAuthor: string | null = null): T[] {
  const current = new Map<string, T>();
  for (const r of refs) {
    if (r.kind !== 'confirm' && r.kind !== 'dispute') continue;
    if (r.kind === 'dispute' && r.author === entryAuthor) continue;
    const prev = current.get(r.author);
    const wins =
      prev === undefined ||
      (r.kind === 'confirm' ? prev.kind === 'dispute' || r.seq < prev.seq : prev.kind === 'dispute' && prev.seq < r.seq);
    if (wins) current.set(r.author, r);
  }
  return [...current.values()];
}

/** Whether `me` has confirmed the entry (in `stances`' words): then a dispute of theirs would change nothing. */
export function hasConfirmed(stanceList: readonly { readonly author: string; readonly kind: string }[], me: string | null): boolean {
  return me !== null && stanceList.some((s) => s.author === me && s.kind === 'confirm');
}

/** "YYYY-MM-DD" (an <input type=date> value) as local midnight in ms, or null; `end` gives the day's last ms. */
export function dayMs(value: string, end = false): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m === null) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (d.getMonth() !== Number(m[2]) - 1) return null;
  return end ? new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() - 1 : d.getTime();
}

/** The amount an entry is about (its `amount` or `total`) and its unit, for one-line summaries. */
export function headline(detail: Pick<EntryDetail, 'body' | 'money'>): { subunits: string; unit: string } | null {
  const body = (detail.body !== null && typeof detail.body === 'object' ? detail.body : {}) as Record<string, unknown>;
  const raw = body['amount'] ?? body['total'];
  const unit = typeof body['unit'] === 'string' ? body['unit'] : detail.money?.postings[0]?.unit;
  if ((typeof raw !== 'number' && typeof raw !== 'string') || !/^\d+$/.test(String(raw)) || unit === undefined) return null;
  return { subunits: String(raw), unit };
}

/** The unit the body's amounts are in (its `unit`, else the unit of its postings). */
export function bodyUnit(detail: Pick<EntryDetail, 'body' | 'money'>): string | null {
  const body = detail.body as Record<string, unknown> | null;
  if (body !== null && typeof body === 'object' && typeof body['unit'] === 'string') return body['unit'];
  return detail.money?.postings[0]?.unit ?? null;
}
