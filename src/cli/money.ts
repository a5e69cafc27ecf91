/**
 * `village-ledger balances` and `village-ledger statement`: the money state of a book file, for
 * treasurers and auditors, with Node alone.
 */
import {
  accounts,
  Book,
  directDebts,
  disputed,
  formatAmount,
  fundStatement,
  loans,
  memberStatement,
  pending,
  settlePlan,
  statementCsv,
  totals,
  type StatementLine,
  type Transfer,
} from '../core/index.js';

/** JSON numbers for amounts that fit exactly, strings for the rare ones that do not. */
export function jsonAmount(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function unitsObj(m: ReadonlyMap<string, bigint>): Record<string, number | string> {
  return Object.fromEntries([...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([u, v]) => [u, jsonAmount(v)]));
}

const transferJson = (t: Transfer) => ({ from: t.from, to: t.to, unit: t.unit, amount: jsonAmount(t.amount) });

/** Only the entries written at or before `at` (by their authors' clocks). */
export function bookAt(book: Book, at: number): Book {
  const out = new Book(book.id);
  for (const { entry } of book.entries()) if (entry.entry.time <= at) out.ingestVerified(entry.bytes);
  return out;
}

/** The `balances --json` report. */
export function balancesReport(book: Book, at: number): Record<string, unknown> {
  const names = new Map(book.members().map((m) => [m.key, m.name]));
  const t = totals(book);
  return {
    book: book.idHex,
    at,
    accounts: accounts(book).map((a) => ({ account: a.account, name: a.name, balances: unitsObj(a.balances) })),
    members: book
      .members()
      .map((m) => ({ key: m.key, name: m.name, status: m.status, admin: m.admin, balances: unitsObj(t.members.get(m.key) ?? new Map<string, bigint>()) })),
    funds: [...book.money.funds.values()].map((f) => ({ fund: f.id, name: f.name, type: f.type, balances: unitsObj(t.funds.get(f.id) ?? new Map<string, bigint>()) })),
    pending: pending(book),
    disputed: disputed(book),
    loans: loans(book, at).map((l) => ({ ...l, principal: jsonAmount(l.principal), repaid: jsonAmount(l.repaid), outstanding: jsonAmount(l.outstanding) })),
    settle: settlePlan(book).map(transferJson),
    direct: directDebts(book).map(transferJson),
    names: Object.fromEntries(names),
  };
}

/** The human `balances` output. */
export function balancesText(book: Book, at: number): string {
  const decimals = new Map((book.info?.units ?? []).map((u) => [u.code, u.decimals]));
  const fmt = (v: bigint, unit: string) => `${formatAmount(v, decimals.get(unit) ?? 0)} ${unit}`;
  const names = new Map(book.members().map((m) => [m.key, m.name]));
  const who = (k: string) => names.get(k) ?? `${k.slice(0, 8)}…`;
  const lines: string[] = [`Book "${book.info?.name ?? '?'}" (${book.idHex.slice(0, 16)}…) as of ${new Date(at).toISOString()}`, '', 'Balances (positive: is owed; negative: owes)'];
  for (const a of accounts(book)) for (const [u, v] of a.balances) lines.push(`  ${a.name.padEnd(36)} ${fmt(v, u).padStart(18)}`);
  const p = pending(book);
  if (p.length > 0) {
    lines.push('', 'Waiting for signatures');
    for (const x of p) lines.push(`  ${x.kind} ${x.id.slice(0, 12)}… waits for ${x.waiting_for.map((w) => (w === 'admin' ? 'an admin' : who(w))).join(', ')}`);
  }
  const d = disputed(book);
  if (d.length > 0) {
    lines.push('', 'Disputed (kept out of the balances)');
    for (const x of d) lines.push(`  ${x.kind} ${x.id.slice(0, 12)}…: ${x.disputes.map((y) => `${who(y.member)}: "${y.reason}"`).join('; ')}`);
  }
  const plan = settlePlan(book);
  lines.push('', plan.length === 0 ? 'Everyone is settled up.' : 'To settle up');
  for (const s of plan) lines.push(`  ${who(s.from)} pays ${who(s.to)} ${fmt(s.amount, s.unit)}`);
  return `${lines.join('\n')}\n`;
}

/** A member's (or a fund's) statement as text or CSV (UTF-8 with BOM, so spreadsheets keep Chinese names). */
export function statementOutput(book: Book, key: string, csv: boolean): string {
  const isFund = book.money.funds.has(key);
  const lines: StatementLine[] = isFund ? fundStatement(book, key) : memberStatement(book, key);
  const decimals = new Map((book.info?.units ?? []).map((u) => [u.code, u.decimals]));
  if (csv) return statementCsv(book, key);
  const out = [`Statement of ${isFund ? book.money.funds.get(key)!.name : (book.members().find((m) => m.key === key)?.name ?? key)}`];
  for (const l of lines) {
    const d = decimals.get(l.unit) ?? 0;
    out.push(`${new Date(l.time).toISOString().slice(0, 16).replace('T', ' ')}  ${l.kind.padEnd(15)} ${formatAmount(l.amount, d).padStart(14)} ${formatAmount(l.balance, d).padStart(14)} ${l.unit}  ${l.memo ?? ''}`);
  }
  if (lines.length === 0) out.push('(no counted entries)');
  return `${out.join('\n')}\n`;
}

/** Finds a member or fund by full hex key, unique hex prefix (≥ 6), or exact name. */
export function resolveKey(book: Book, q: string): string | null {
  const candidates = [...book.members().map((m) => ({ key: m.key, name: m.name })), ...[...book.money.funds.values()].map((f) => ({ key: f.id, name: f.name }))];
  const exact = candidates.filter((c) => c.key === q.toLowerCase() || c.name === q);
  if (exact.length === 1) return exact[0]!.key;
  if (q.length >= 6) {
    const pre = candidates.filter((c) => c.key.startsWith(q.toLowerCase()));
    if (pre.length === 1) return pre[0]!.key;
  }
  return null;
}
