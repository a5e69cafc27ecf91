/**
 * A book's summary: what the book's home screen shows (members, balances, funds, what waits for
 * signatures, the settle-up plan, counts). It is small, so it is stored with every batch and shown
 * at once when a book is opened, before the whole book is loaded (DESIGN §5: opening the app does
 * not re-verify or recompute the book). Amounts are decimal strings (bigint-safe JSON).
 */
import type { Book } from './book.js';
import { settlePlan, totals } from './money-views.js';

/** Pending items kept in a summary: it must stay small (it is stored with every batch and cached by the page). */
export const SUMMARY_PENDING = 50;

/** Plain-data summary of a book's state; JSON-safe. */
export interface BookSummary {
  readonly book: string;
  readonly name: string;
  readonly units: readonly { code: string; decimals: number }[];
  readonly join: string;
  readonly entries: number;
  readonly valid: number;
  readonly held: number;
  readonly forks: number;
  readonly members: readonly { key: string; name: string; status: string; admin: boolean; balances: Record<string, string> }[];
  readonly funds: readonly { id: string; name: string; type: string; balances: Record<string, string> }[];
  /** How many entries wait for signatures, and the most recent of them (at most {@link SUMMARY_PENDING}). */
  readonly pendingCount: number;
  readonly pending: readonly { id: string; kind: string; waitingFor: readonly string[] }[];
  readonly settle: readonly { from: string; to: string; unit: string; amount: string }[];
}

const str = (m: ReadonlyMap<string, bigint> | undefined): Record<string, string> =>
  Object.fromEntries([...(m ?? new Map<string, bigint>()).entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([u, v]) => [u, v.toString()]));

/**
 * Counts a caller may keep up to date itself (the engine does, per batch), so that a summary of a
 * busy book does not walk every entry: the number of held entries and of fork proofs.
 */
export interface SummaryCounts {
  readonly held: number;
  readonly forks: number;
}

/** The summary of `book` now (`counts`: see {@link SummaryCounts}; counted from the book when absent). */
export function summarize(book: Book, counts?: SummaryCounts): BookSummary {
  const t = totals(book);
  const info = book.info;
  // The newest pending items, without walking the others (the state keeps them apart).
  const waiting: { id: string; kind: string; waitingFor: readonly string[] }[] = [];
  const open = book.money.openList();
  for (let i = open.length - 1; i >= 0 && waiting.length < SUMMARY_PENDING; i--) {
    const m = open[i]!;
    if (m.status === 'pending') waiting.push({ id: m.input.id, kind: m.input.body.kind, waitingFor: [...m.waitingFor] });
  }
  waiting.reverse();
  let held = counts?.held ?? 0;
  if (counts === undefined) for (const { status } of book.entries()) if (status === 'held') held++;
  return {
    book: book.idHex,
    name: info?.name ?? '',
    units: info?.units.map((u) => ({ code: u.code, decimals: u.decimals })) ?? [],
    join: info?.join ?? '',
    entries: book.size,
    valid: book.valid,
    held,
    forks: counts?.forks ?? book.forks().length,
    members: book.members().map((m) => ({ ...m, balances: str(t.members.get(m.key)) })),
    funds: [...book.money.funds.values()].map((f) => ({ id: f.id, name: f.name, type: f.type, balances: str(t.funds.get(f.id)) })),
    pendingCount: book.money.pendingCount,
    pending: waiting,
    settle: settlePlan(book).map((s) => ({ from: s.from, to: s.to, unit: s.unit, amount: s.amount.toString() })),
  };
}
