import { describe, expect, it } from 'vitest';
import { actionsFor, badgeOf, bodyFields, dayMs, hasConfirmed, headline, kindKey, lineParts, partiesOf, stances } from '../../src/ui/components/entry-words.js';
import { buildQuery } from '../../src/ui/state/journal.svelte.js';
import type { EntryDetail } from '../../src/worker/protocol.js';
import en from '../../src/ui/i18n/en/kinds.js';
import zh from '../../src/ui/i18n/zh-CN/kinds.js';
import { MONEY_KINDS } from '../../src/core/money-kinds.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const ID = 'e'.repeat(64);

function loan(over: Partial<EntryDetail> = {}, money: Partial<NonNullable<EntryDetail['money']>> = {}): EntryDetail {
  return {
    id: ID,
    kind: 'loan',
    author: A,
    authorName: 'Li Si',
    seq: 3,
    chainLength: 5,
    time: 1_700_000_000_000,
    prev: 'f'.repeat(64),
    links: [],
    referredBy: [],
    status: 'valid',
    reason: null,
    body: { lender: A, borrower: B, unit: 'CNY', amount: 1250, memo: 'seeds' },
    money: {
      id: ID,
      kind: 'loan',
      author: A,
      time: 1_700_000_000_000,
      status: 'pending',
      waitingFor: [B],
      parties: [A, B],
      postings: [
        { account: `member:${A}`, name: 'Li Si', unit: 'CNY', amount: '1250' },
        { account: `member:${B}`, name: 'Zhang San', unit: 'CNY', amount: '-1250' },
      ],
      memo: 'seeds',
      ...money,
    },
    signatureChecked: true,
    witnesses: { count: 1, of: 3 },
    size: 200,
    ...over,
  };
}

describe('entry words', () => {
  it('has words for every kind, in both languages', () => {
    const kinds = ['book/open', 'member/join', 'member/admit', 'note', ...MONEY_KINDS];
    for (const k of kinds) expect(kindKey(k, (key) => key in en)).toBe(`kind.${k}`);
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    expect(kindKey('x/unknown', (key) => key in en)).toBeNull();
  });
  it('badges: verdict first, then money status', () => {
    expect(badgeOf({ status: 'held', money: 'pending' })).toBe('held');
    expect(badgeOf({ status: 'valid', money: 'disputed' })).toBe('disputed');
    expect(badgeOf({ status: 'valid', money: null })).toBeNull();
  });
  it('line parts format the amount with its unit', () => {
    expect(lineParts({ amount: '1250', unit: 'CNY', from: 'Li Si', to: 'Zhang San' }, (s, u) => `${s}/${u}`)).toEqual({ amount: '1250/CNY', from: 'Li Si', to: 'Zhang San', text: null });
    expect(lineParts({ text: 'hello' }, () => 'x').amount).toBeNull();
  });
  it('confirm and dispute when it waits for me; reverse for parties and admins', () => {
    expect(actionsFor(loan(), B, false)).toEqual({ confirm: true, dispute: true, reverse: true });
    expect(actionsFor(loan(), A, false)).toEqual({ confirm: false, dispute: false, reverse: true });
    expect(actionsFor(loan(), C, false)).toEqual({ confirm: false, dispute: false, reverse: false });
    expect(actionsFor(loan(), C, true).reverse).toBe(true);
    expect(actionsFor(loan({}, { status: 'reversed', waitingFor: [] }), A, false).reverse).toBe(false);
    expect(actionsFor(loan({ kind: 'reverse' }), A, true).reverse).toBe(false);
    expect(actionsFor(loan({ status: 'frozen' }), B, false).confirm).toBe(false);
    expect(actionsFor(loan({}, { waitingFor: ['admin'] }), C, true).confirm).toBe(true);
    expect(actionsFor(loan(), null, false).reverse).toBe(false);
  });
  it('no dispute for a member who has confirmed it (a confirm is final); confirming again is still offered', () => {
    expect(actionsFor(loan(), B, false, true)).toEqual({ confirm: true, dispute: false, reverse: true });
    // An admin who confirmed before they were an admin: the entry still waits for an admin.
    expect(actionsFor(loan({}, { waitingFor: ['admin'] }), C, true, true)).toMatchObject({ confirm: true, dispute: false });
    const mine = stances([
      { author: B, seq: 3, kind: 'confirm' },
      { author: B, seq: 4, kind: 'dispute' },
    ]);
    expect([hasConfirmed(mine, B), hasConfirmed(mine, A), hasConfirmed(mine, null)]).toEqual([true, false, false]);
  });
  it('no dispute for the entry\'s author (authoring is final like a confirm), even when it waits for them as an admin', () => {
    // A waits as an admin for an entry they wrote before they were one: confirming is offered, disputing is not.
    expect(actionsFor(loan({}, { waitingFor: ['admin'] }), A, true)).toEqual({ confirm: true, dispute: false, reverse: true });
    expect(actionsFor(loan({}, { waitingFor: [A] }), A, false)).toMatchObject({ dispute: false });
    // The author's own disputes are left out of the stances; another member's stay.
    const refs = [
      { author: A, seq: 4, kind: 'dispute' },
      { author: B, seq: 2, kind: 'dispute' },
    ];
    expect(stances(refs, A)).toEqual([{ author: B, seq: 2, kind: 'dispute' }]);
    expect(stances([{ author: A, seq: 4, kind: 'dispute' }, { author: A, seq: 6, kind: 'confirm' }], A)).toEqual([{ author: A, seq: 6, kind: 'confirm' }]);
    expect(stances(refs)).toEqual(refs);
  });
  it('parties are the core\'s (MoneyRow.parties), not re-derived from the body', () => {
    expect([...partiesOf(loan())].sort()).toEqual([A, B]);
    expect([...partiesOf(loan({ kind: 'gift', money: null }))]).toEqual([]);
  });
  it('body fields are typed by name', () => {
    const f = bodyFields({ lender: A, amount: 1250, due: 5, memo: 'x', loan: ID, payers: [[A, '100']], odd: { a: 1 } });
    expect(f.map((x) => x.value.type)).toEqual(['key', 'amount', 'time', 'text', 'entry', 'rows', 'text']);
    expect(f[6]!.value).toEqual({ type: 'text', text: '{"a":1}' });
  });
  it('headline amount and unit', () => {
    expect(headline(loan())).toEqual({ subunits: '1250', unit: 'CNY' });
    expect(headline(loan({ body: { loan: ID, amount: 3 } }))).toEqual({ subunits: '3', unit: 'CNY' });
    expect(headline(loan({ body: { text: 'x' }, money: null }))).toBeNull();
  });
  it("a member's stance: a later confirm withdraws a dispute, a confirm is final", () => {
    const s = stances([
      { author: A, seq: 2, kind: 'dispute' },
      { author: A, seq: 5, kind: 'confirm' },
      { author: B, seq: 1, kind: 'dispute' },
      { author: B, seq: 3, kind: 'dispute' },
      { author: C, seq: 9, kind: 'reverse' },
    ]);
    expect(s).toEqual([{ author: A, seq: 5, kind: 'confirm' }, { author: B, seq: 3, kind: 'dispute' }]);
    // Confirm, then dispute: the confirm stands, in any order of arrival.
    const refs = [
      { author: A, seq: 4, kind: 'dispute' },
      { author: A, seq: 2, kind: 'confirm' },
      { author: A, seq: 7, kind: 'confirm' },
    ];
    expect(stances(refs)).toEqual([{ author: A, seq: 2, kind: 'confirm' }]);
    expect(stances([...refs].reverse())).toEqual([{ author: A, seq: 2, kind: 'confirm' }]);
  });
  it('dates from date inputs, and the journal query', () => {
    expect(dayMs('2024-02-30')).toBeNull();
    expect(dayMs('nope')).toBeNull();
    const d = dayMs('2024-03-05')!;
    expect(new Date(d).getDate()).toBe(5);
    expect(dayMs('2024-03-05', true)! - d).toBeGreaterThan(23 * 3600_000);
    expect(buildQuery({ member: '', kind: 'loan', unit: '', from: '', to: '', text: '  rice ' })).toEqual({ query: { kind: 'loan', text: 'rice' }, error: null });
    expect(buildQuery({ member: '', kind: '', unit: '', from: '2024-03-06', to: '2024-03-05', text: '' }).error).toBe('journal.badRange');
  });
});
