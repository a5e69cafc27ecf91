/**
 * `npx tsx bench/views.ts [money|notes]`: the screens' views on a 100,000-entry book in Node (one
 * core): the journal's first query (builds the index), later pages (cached filter), a filter and a
 * text search, an incremental update after one more entry, and home, members, entry, series,
 * problems. Prints milliseconds (wall and CPU); nothing asserts on them. Books come from bench/gen.ts (cached in
 * bench/.cache).
 */
import { performance } from 'node:perf_hooks';
import {
  append,
  Book,
  decodeBookFile,
  entryDetail,
  homeView,
  JournalIndex,
  keyPairFromSeed,
  memberViews,
  problemsView,
  series,
  sha256Bytes,
  toHex,
  utf8Encode,
} from '../src/core/index.js';
import { benchBook, benchMoneyBook } from './gen.js';

const which = process.argv[2] ?? 'money';
const log = (s: string) => process.stdout.write(`${s}\n`);
/** Wall and CPU time (the machine may be shared: CPU time is the steadier figure). */
const time = <T>(label: string, fn: () => T): T => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = fn();
  const cpu = process.cpuUsage(c0);
  log(`${label.padEnd(58)} ${(performance.now() - t0).toFixed(1).padStart(8)} ms wall ${((cpu.user + cpu.system) / 1000).toFixed(1).padStart(8)} ms cpu`);
  return out;
};

const file = which === 'money' ? benchMoneyBook(100_000).file : benchBook(100_000).file;
const parsed = decodeBookFile(file);
const book = new Book(parsed.book);
time(`load ${parsed.entries.length} entries (${which}) into a Book`, () => {
  for (const e of parsed.entries) book.ingestVerified(e);
  book.takeChanges();
});

const idx = time('journal: build the index (first query, part 1)', () => new JournalIndex(book));
time('journal: first page (offset 0, limit 50)', () => idx.query({ offset: 0, limit: 50 }));
time('journal: a later page (offset 50,000, limit 50)', () => idx.query({ offset: 50_000, limit: 50 }));
const pages: number[] = [];
for (let o = 100; o < 5100; o += 50) {
  const t0 = performance.now();
  idx.query({ offset: o, limit: 50 });
  pages.push(performance.now() - t0);
}
pages.sort((a, b) => a - b);
log(`${'journal: 100 more pages of 50, median / max'.padEnd(58)} ${pages[50]!.toFixed(3).padStart(8)} ms / ${pages.at(-1)!.toFixed(2)} ms`);
const member = book.members()[3]!.key;
time('journal: member filter, first page', () => idx.query({ member, offset: 0, limit: 50 }));
time('journal: member filter, next page (cached)', () => idx.query({ member, offset: 50, limit: 50 }));
time('journal: kind + unit filter, first page', () => idx.query({ kind: which === 'money' ? 'loan' : 'note', unit: 'CNY', offset: 0, limit: 50 }));
const text = which === 'money' ? 'member 7' : 'seeds';
const found = time(`journal: text search "${text}", first page`, () => idx.query({ text, offset: 0, limit: 50 }));
log(`  (${found.total} matches)`);
time(`journal: text search "${text}", next page (cached)`, () => idx.query({ text, offset: 50, limit: 50 }));
time('journal: text search "no such words", first page', () => idx.query({ text: 'no such words', offset: 0, limit: 50 }));
time('journal: a time range (one day), first page', () => idx.query({ from: book.entry(book.headList()[0]!.id)!.entry.time - 86_400_000, to: book.entry(book.headList()[0]!.id)!.entry.time, offset: 0, limit: 50 }));

// One more entry arrives: the index updates only that row (merge), then a page.
const k = keyPairFromSeed(sha256Bytes(utf8Encode('bench-views-newcomer')));
const latest = Math.max(...book.headList().map((h) => book.entry(h.id)!.entry.time));
append(book, k, toHex(k.publicKey), 'member/join', { name: 'Newcomer' }, latest + 1000);
time('journal: after one new entry, touch + first page', () => {
  idx.touch(book.takeChanges());
  return idx.query({ offset: 0, limit: 50 });
});
time('journal: after one new entry, text search again', () => idx.query({ text, offset: 0, limit: 50 }));

const me = book.members()[1]!.key;
time('homeView', () => homeView(book, me, latest));
time('members', () => memberViews(book));
const someId = idx.query({ offset: 40_000, limit: 1 }).rows[0]!.id;
time('entry (scan for what refers to it)', () => entryDetail(book, someId));
time('series (member, CNY)', () => series(book, { member: me }, 'CNY'));
time('problems', () => problemsView(book, { rejections: [], origin: () => undefined }));
