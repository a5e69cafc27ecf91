/**
 * CSV exports that open correctly in LibreOffice and Excel: UTF-8 with a byte-order mark (so
 * Chinese names survive), CRLF line ends, RFC 4180 quoting, amounts as plain decimals, and text a
 * spreadsheet would run as a formula prefixed with an apostrophe.
 */
import type { Book } from './book.js';
import { accounts, formatAmount, fundStatement, memberStatement, moneyItems } from './money-views.js';

/** One CSV cell. */
export function csvCell(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A whole CSV document from rows (the first row is the header). */
export function csvDocument(rows: readonly (readonly string[])[]): string {
  return `\uFEFF${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

const iso = (t: number) => new Date(t).toISOString();

function decimalsOf(book: Book): Map<string, number> {
  return new Map((book.info?.units ?? []).map((u) => [u.code, u.decimals]));
}

/** Every entry of the book (any status), oldest first: the journal. */
export function journalCsv(book: Book): string {
  const names = new Map(book.members().map((m) => [m.key, m.name]));
  const money = new Map(moneyItems(book).map((m) => [m.id, m]));
  const rows: string[][] = [['date', 'author', 'kind', 'text', 'status', 'money status', 'entry', 'author key', 'seq']];
  const all = [...book.entries()].sort((a, b) => a.entry.entry.time - b.entry.entry.time || (a.id < b.id ? -1 : 1));
  for (const { id, status, entry } of all) {
    const e = entry.entry;
    const text = e.body.get('text') ?? e.body.get('memo') ?? e.body.get('reason') ?? e.body.get('name') ?? '';
    rows.push([iso(e.time), names.get(entry.authorHex) ?? '', e.kind, typeof text === 'string' ? text : '', status, money.get(id)?.status ?? '', id, entry.authorHex, String(e.seq)]);
  }
  return csvDocument(rows);
}

/** Every account's balance per unit (positive: is owed). */
export function balancesCsv(book: Book): string {
  const d = decimalsOf(book);
  const rows: string[][] = [['account', 'name', 'unit', 'balance']];
  for (const a of accounts(book)) for (const [u, v] of a.balances) rows.push([a.account, a.name, u, formatAmount(v, d.get(u) ?? 0)]);
  return csvDocument(rows);
}

/** A member's or a fund's statement with running balances. */
export function statementCsv(book: Book, key: string): string {
  const d = decimalsOf(book);
  const lines = book.money.funds.has(key) ? fundStatement(book, key) : memberStatement(book, key);
  const rows: string[][] = [['date', 'entry', 'kind', 'memo', 'account', 'unit', 'amount', 'balance']];
  for (const l of lines) {
    const dec = d.get(l.unit) ?? 0;
    rows.push([iso(l.time), l.id, l.kind, l.memo ?? '', l.account, l.unit, formatAmount(l.amount, dec), formatAmount(l.balance, dec)]);
  }
  return csvDocument(rows);
}
