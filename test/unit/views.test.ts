/**
 * The screens' views (src/core/views.ts) on small books signed with the real keys of the village
 * (test/unit/village.ts): home, members, one entry, the journal and its filters, series, problems.
 */
import { describe, expect, test } from 'vitest';
import {
  Book,
  entryDetail,
  homeView,
  JournalIndex,
  journal,
  memberViews,
  problemsView,
  series,
  summarize,
  toHex,
  utf8Encode,
  type JournalQuery,
  type ParsedEntry,
} from '../../src/core/index.js';
import { DAY, LI, SUN, T0, Village, WANG, ZHANG, ZHAO } from './village.js';

/** A village with some of everything: a loan and its repayment, a payment waiting, a disputed expense, a fund, notes. */
function sampleVillage() {
  const v = new Village();
  const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 50_000, due: T0 + 30 * DAY, memo: 'Seeds for spring 种子' });
  v.confirm(WANG, loan);
  const repay = v.write(WANG, 'repay', { loan: loan.id, amount: 20_000, memo: 'first part' });
  v.confirm(LI, repay);
  // Zhao pays Zhang: Zhao's own account goes up, Zhang's down, so it waits for Zhang.
  const payment = v.write(ZHAO, 'payment', { from: ZHAO.pk, to: ZHANG.pk, unit: 'CNY', amount: 3_000, memo: 'eggs' });
  const keys = [ZHANG, LI, WANG].map((x) => x.pk);
  const expense = v.write(ZHANG, 'expense', {
    unit: 'CNY',
    total: 9_000,
    split: 'equal',
    payers: [[ZHANG.pk, 9_000]],
    shares: keys.map((k) => [k, 3_000]),
    memo: 'Tractor fuel',
  });
  v.confirm(LI, expense);
  const dispute = v.dispute(WANG, expense, 'I was not there that day');
  const fund = v.write(ZHANG, 'fund/open', { name: 'Harvest savings', type: 'savings' });
  const deposit = v.write(LI, 'fund/deposit', { fund: fund.id, member: LI.pk, unit: 'CNY', amount: 10_000 });
  v.confirm(ZHANG, deposit); // the fund's cash moves: an admin signs
  const note = v.write(ZHAO, 'note', { text: 'Meeting on Tuesday at the well' });
  return { v, loan, repay, payment, expense, dispute, fund, deposit, note };
}

describe('home view', () => {
  test('inbox, waiting for others, disputes with names and reasons, loans, debts, settle plan', () => {
    const { v, loan, payment, expense } = sampleVillage();
    const zhang = homeView(v.book, ZHANG.hex, v.now);
    expect(zhang.inbox.map((r) => r.id)).toEqual([payment.idHex]);
    expect(zhang.inbox[0]).toMatchObject({ kind: 'payment', author: ZHAO.hex, status: 'pending', waitingFor: [ZHANG.hex], memo: 'eggs' });
    expect(zhang.inbox[0]!.postings).toEqual(
      expect.arrayContaining([
        { account: `member:${ZHANG.hex}`, name: 'Zhang San', unit: 'CNY', amount: '-3000' },
        { account: `member:${ZHAO.hex}`, name: 'Zhao Liu', unit: 'CNY', amount: '3000' },
      ]),
    );
    const zhao = homeView(v.book, ZHAO.hex, v.now);
    expect(zhao.inbox).toEqual([]);
    expect(zhao.waitingForOthers.map((r) => r.id)).toEqual([payment.idHex]);
    expect(zhang.disputed).toEqual([
      {
        id: expense.idHex,
        kind: 'expense',
        author: ZHANG.hex,
        time: expect.any(Number) as number,
        postings: expect.arrayContaining([{ account: `member:${WANG.hex}`, name: 'Wang Wu', unit: 'CNY', amount: '-3000' }]) as unknown,
        disputes: [{ member: WANG.hex, name: 'Wang Wu', reason: 'I was not there that day', time: expect.any(Number) as number }],
      },
    ]);
    expect(zhang.disputed[0]!.disputes[0]!.time).toBeGreaterThanOrEqual(zhang.disputed[0]!.time);
    expect(zhang.loans).toEqual([
      { id: loan.idHex, kind: 'loan', lender: LI.hex, borrower: WANG.hex, unit: 'CNY', principal: '50000', repaid: '20000', outstanding: '30000', due: T0 + 30 * DAY, status: 'outstanding' },
    ]);
    expect(homeView(v.book, WANG.hex, T0 + 31 * DAY).loans[0]!.status).toBe('overdue');
    expect(zhang.directDebts).toEqual([{ from: WANG.hex, to: LI.hex, unit: 'CNY', amount: '30000' }]);
    expect(zhang.settle).toEqual([{ from: WANG.hex, to: LI.hex, unit: 'CNY', amount: '30000' }]);
    expect(zhang.held).toBe(0);
    const nobody = homeView(v.book, null, v.now);
    expect(nobody.inbox).toEqual([]);
    expect(nobody.waitingForOthers).toEqual([]);
    expect(nobody.disputed).toHaveLength(1);
  });

  test('an admin sees what waits for an admin; held counts only my held entries', () => {
    const v = new Village();
    const fund = v.write(ZHANG, 'fund/open', { name: 'Well repairs', type: 'common' });
    const spend = v.write(LI, 'fund/contribute', { fund: fund.id, unit: 'CNY', amount: 500, from: LI.pk });
    expect(v.book.money.statusOf(spend.idHex)?.waitingFor).toContain('admin');
    expect(homeView(v.book, ZHANG.hex, v.now).inbox.map((r) => r.id)).toContain(spend.idHex);
    expect(homeView(v.book, WANG.hex, v.now).inbox.map((r) => r.id)).not.toContain(spend.idHex);
    // Li's next two entries arrive on another device in the wrong order: the second is held.
    const other = v.copy();
    v.writeOn(other, LI, 'note', { text: 'one' });
    const second = v.writeOn(other, LI, 'note', { text: 'two' });
    v.book.ingest(second.bytes);
    expect(v.book.status(second.idHex)).toBe('held');
    expect(homeView(v.book, LI.hex, v.now).held).toBe(1);
    expect(homeView(v.book, ZHANG.hex, v.now).held).toBe(0);
  });
});

describe('members view', () => {
  test('entries, latest entry time and balances per member, matching the summary', () => {
    const { v, note } = sampleVillage();
    const members = memberViews(v.book);
    const summary = summarize(v.book);
    expect(members.map((m) => m.key)).toEqual(summary.members.map((m) => m.key));
    for (const m of members) expect(m.balances).toEqual(summary.members.find((s) => s.key === m.key)!.balances);
    const zhao = members.find((m) => m.key === ZHAO.hex)!;
    expect(zhao).toMatchObject({ name: 'Zhao Liu', status: 'member', admin: false, entries: 3, lastEntry: note.entry.time });
    expect(members.find((m) => m.key === ZHANG.hex)!.admin).toBe(true);
  });
});

describe('entry detail', () => {
  test('chain, links, what refers to it, money, body as JSON-safe data, witnesses', () => {
    const { v, loan, repay } = sampleVillage();
    const d = entryDetail(v.book, loan.idHex)!;
    expect(d).toMatchObject({ id: loan.idHex, kind: 'loan', author: LI.hex, authorName: 'Li Si', seq: 2, status: 'valid', reason: null, signatureChecked: true, size: loan.bytes.length });
    expect(d.chainLength).toBe(v.book.chainTip(LI.hex)!.entry.seq);
    expect(d.prev).toBe(toHex(loan.entry.prev!));
    expect(d.links).toEqual(loan.entry.links.map(toHex));
    const kinds = d.referredBy.map((r) => r.kind);
    expect(kinds).toContain('confirm'); // Wang's confirmation
    expect(kinds).toContain('repay');
    expect(d.referredBy.some((r) => r.id === repay.idHex)).toBe(true);
    // Li's next entry has the loan as its prev.
    expect(d.referredBy.some((r) => r.author === LI.hex && v.book.entry(r.id)!.entry.seq === 3)).toBe(true);
    expect(d.money).toMatchObject({ status: 'counted', memo: 'Seeds for spring 种子' });
    expect(d.body).toEqual({ lender: LI.hex, borrower: WANG.hex, unit: 'CNY', amount: 50_000, due: T0 + 30 * DAY, memo: 'Seeds for spring 种子' });
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d.witnesses.of).toBe(4);
    expect(d.witnesses.count).toBe(v.book.witnesses(loan.idHex));
    expect(d.witnesses.count).toBeGreaterThanOrEqual(2);
    expect(entryDetail(v.book, '00'.repeat(32))).toBeNull();
    const open = entryDetail(v.book, v.open.idHex)!;
    expect(open).toMatchObject({ kind: 'book/open', seq: 1, prev: null, money: null, authorName: 'Zhang San' });
  });

  test('a frozen entry (fork) has its reason', () => {
    const v = new Village();
    const other = v.copy();
    const a = v.writeOn(v.book, SUN, 'member/join', { name: 'Sun Qi' });
    const b = v.writeOn(other, SUN, 'member/join', { name: 'Sun Qi (phone 2)' });
    v.book.ingest(b.bytes);
    const d = entryDetail(v.book, a.idHex)!;
    expect(d.status).toBe('frozen');
    expect(d.reason).toMatch(/two different entries/);
    expect(d.signatureChecked).toBe(true);
  });
});

describe('series', () => {
  test('a member: one point per counted entry changing their accounts; the last point is their balance', () => {
    const { v, loan, repay, deposit } = sampleVillage();
    const li = series(v.book, { member: LI.hex }, 'CNY');
    expect(li.map((p) => p.id)).toEqual([loan.idHex, repay.idHex, deposit.idHex]);
    expect(li.map((p) => p.balance)).toEqual(['50000', '30000', '40000']);
    const summary = summarize(v.book);
    for (const m of summary.members) {
      const s = series(v.book, { member: m.key }, 'CNY');
      expect(s.at(-1)?.balance ?? '0', m.name).toBe(m.balances['CNY'] ?? '0');
    }
    const fund = summary.funds[0]!;
    expect(series(v.book, { fund: fund.id }, 'CNY').at(-1)?.balance).toBe(fund.balances['CNY']);
    expect(series(v.book, { member: LI.hex }, 'eggs')).toEqual([]);
  });
});

describe('problems view', () => {
  test('forks side by side, rule-rejected entries and refused inputs newest first, held entries', () => {
    const v = new Village();
    const other = v.copy();
    const a = v.writeOn(v.book, SUN, 'member/join', { name: 'Sun Qi' });
    const b = v.writeOn(other, SUN, 'member/join', { name: 'Sun Qi (phone 2)' });
    v.book.ingest(b.bytes);
    const third = v.copy();
    v.writeOn(third, LI, 'note', { text: 'one' });
    const held = v.writeOn(third, LI, 'note', { text: 'two' });
    v.book.ingest(held.bytes);
    const garbage = v.book.ingest(utf8Encode('not an entry'));
    expect(garbage.kind).toBe('input-rejected');
    const p = problemsView(v.book, {
      rejections: [
        { id: null, reason: 'encoding', field: 'signed', message: 'older refusal', source: 'peer:x', at: 10 },
        { id: null, reason: 'signature', field: 'sig', message: 'newer refusal', source: 'peer:y', at: 20 },
      ],
      origin: () => undefined,
    });
    expect(p.forks).toHaveLength(1);
    expect(p.forks[0]).toMatchObject({ author: SUN.hex, authorName: `${SUN.hex.slice(0, 8)}…`, seq: 1 });
    expect(p.forks[0]!.entries.map((e) => e.id).sort()).toEqual([a.idHex, b.idHex].sort());
    expect(p.forks[0]!.entries.map((e) => (e.body as { name: string }).name).sort()).toEqual(['Sun Qi', 'Sun Qi (phone 2)']);
    expect(p.forks[0]!.entries[0]!.hex).toBe(toHex(v.book.entry(p.forks[0]!.entries[0]!.id)!.bytes));
    expect(p.rejected.map((r) => r.message)).toEqual(['newer refusal', 'older refusal']);
    expect(p.rejectedTotal).toBe(2);
    expect(p.held.map((h) => h.id)).toEqual([held.idHex]);
    expect(p.held[0]!.waitingFor).toHaveLength(1);
  });
});

describe('journal', () => {
  test('newest first; filters by member, kind, unit, time and text (memo, reason, note, fund and member names)', () => {
    const { v, loan, repay, payment, expense, dispute, fund, deposit, note } = sampleVillage();
    const all = journal(v.book, { offset: 0, limit: 500 });
    expect(all.total).toBe(v.book.size);
    const times = all.rows.map((r) => r.time);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.rows[0]!.id).toBe(note.idHex);
    const ids = (q: Omit<JournalQuery, 'offset' | 'limit'>) => journal(v.book, { ...q, offset: 0, limit: 100 }).rows.map((r) => r.id);
    expect(ids({ kind: 'loan' })).toEqual([loan.idHex]);
    // Wang: his own entries (join, confirm, repay, dispute), and entries moving his money (loan, expense).
    const wang = ids({ member: WANG.hex });
    expect(wang).toEqual(expect.arrayContaining([loan.idHex, repay.idHex, expense.idHex, dispute.idHex]));
    expect(wang).not.toContain(payment.idHex);
    expect(wang).not.toContain(note.idHex);
    expect(ids({ unit: 'CNY' })).toEqual(expect.arrayContaining([loan.idHex, repay.idHex, payment.idHex, expense.idHex, deposit.idHex]));
    expect(ids({ unit: 'CNY' })).not.toContain(note.idHex);
    expect(ids({ unit: 'eggs' })).toEqual([]);
    expect(ids({ from: payment.entry.time, to: expense.entry.time })).toEqual([expense.idHex, payment.idHex]);
    expect(ids({ text: 'TRACTOR' })).toEqual([expense.idHex]);
    expect(ids({ text: '种子' })).toEqual([loan.idHex]);
    expect(ids({ text: 'not there' })).toEqual([dispute.idHex]);
    expect(ids({ text: 'well' })).toEqual([note.idHex]);
    expect(ids({ text: 'harvest' })).toEqual([deposit.idHex, fund.idHex]);
    // Member names: every entry Zhao wrote or is party to.
    expect(ids({ text: 'zhao liu' })).toEqual(ids({ member: ZHAO.hex }));
    expect(ids({ text: 'fuel', member: ZHANG.hex, kind: 'expense' })).toEqual([expense.idHex]);
    expect(ids({ text: 'fuel', member: ZHAO.hex })).toEqual([]);
  });

  test('rows carry status, money status and a line with names', () => {
    const { v, loan, repay, payment, deposit } = sampleVillage();
    const rows = journal(v.book, { offset: 0, limit: 100 }).rows;
    const row = (p: ParsedEntry) => rows.find((r) => r.id === p.idHex)!;
    expect(row(loan)).toMatchObject({ kind: 'loan', author: LI.hex, authorName: 'Li Si', status: 'valid', money: 'counted', line: { amount: '50000', unit: 'CNY', from: 'Li Si', to: 'Wang Wu', text: 'Seeds for spring 种子' } });
    expect(row(repay).line).toEqual({ amount: '20000', unit: 'CNY', from: 'Wang Wu', to: 'Li Si', text: 'first part' });
    expect(row(payment).money).toBe('pending');
    expect(row(deposit).line).toEqual({ amount: '10000', unit: 'CNY', from: 'Li Si', to: 'Harvest savings' });
    expect(rows.find((r) => r.kind === 'note')!.money).toBeNull();
  });

  test('paging: offsets and limits, limit capped at 500, bad numbers are harmless', () => {
    const { v } = sampleVillage();
    const all = journal(v.book, { offset: 0, limit: 1000 }).rows.map((r) => r.id);
    const idx = new JournalIndex(v.book);
    const paged: string[] = [];
    for (let o = 0; o < all.length; o += 3) paged.push(...idx.query({ offset: o, limit: 3 }).rows.map((r) => r.id));
    expect(paged).toEqual(all);
    expect(idx.query({ offset: all.length + 5, limit: 10 }).rows).toEqual([]);
    expect(idx.query({ offset: -3, limit: Number.NaN }).rows).toEqual([]);
    expect(idx.query({ offset: Number.NaN, limit: 2 }).rows.map((r) => r.id)).toEqual(all.slice(0, 2));
  });

  test('the index follows the book: new entries, decided held entries and new names', () => {
    const v = new Village();
    const idx = new JournalIndex(v.book);
    expect(idx.query({ offset: 0, limit: 10 }).total).toBe(4);
    const n = v.write(LI, 'note', { text: 'hello' });
    idx.touch(v.book.takeChanges());
    expect(idx.query({ offset: 0, limit: 10 }).rows[0]!.id).toBe(n.idHex);
    // Sun writes on their own phone; their note arrives before their join.
    const sunBook = v.copy();
    const join = v.writeOn(sunBook, SUN, 'member/join', { name: 'Sun Qi' });
    const sunNote = v.writeOn(sunBook, SUN, 'note', { text: 'from the fields' });
    v.book.ingest(sunNote.bytes);
    idx.touch(v.book.takeChanges());
    expect(idx.query({ text: 'sun qi', offset: 0, limit: 10 }).total).toBe(0);
    const page = idx.query({ offset: 0, limit: 10 });
    expect(page.rows[0]).toMatchObject({ id: sunNote.idHex, status: 'held', authorName: `${SUN.hex.slice(0, 8)}…` });
    v.book.ingest(join.bytes);
    idx.touch(v.book.takeChanges());
    expect(idx.query({ offset: 0, limit: 10 }).rows[0]).toMatchObject({ id: sunNote.idHex, status: 'valid', authorName: 'Sun Qi' });
    expect(idx.query({ text: 'sun qi', offset: 0, limit: 10 }).rows.map((r) => r.id)).toEqual([sunNote.idHex, join.idHex]);
    expect(idx.size).toBe(v.book.size);
  });
});

test('a book with only its book/open', () => {
  const v = new Village([]);
  expect(homeView(v.book, ZHANG.hex, v.now)).toEqual({ inbox: [], waitingForOthers: [], disputed: [], loans: [], directDebts: [], settle: [], held: 0 });
  expect(memberViews(v.book)).toHaveLength(1);
  expect(journal(v.book, { offset: 0, limit: 10 }).total).toBe(1);
  expect(series(v.book, { member: ZHANG.hex }, 'CNY')).toEqual([]);
  expect(problemsView(v.book, { rejections: [], origin: () => undefined })).toEqual({ forks: [], rejected: [], rejectedTotal: 0, held: [] });
  const empty = new Book(v.id);
  expect(journal(empty, { offset: 0, limit: 10 })).toEqual({ total: 0, rows: [] });
});
