/** Issue 16 item 1: a signature request as the sentence its author claims, in both languages. */
import { describe, expect, it } from 'vitest';
import { claimOf, effectOn, movedOf } from '../../src/ui/components/claim-words.js';
import { format } from '../../src/ui/i18n/format.js';
import { MESSAGES } from '../../src/ui/i18n/messages.js';

const LI = 'a'.repeat(64);
const ZHANG = 'b'.repeat(64);
const WANG = 'c'.repeat(64);
const names: Record<string, [string, string]> = { [LI]: ['Li Si', '李四'], [ZHANG]: ['Zhang San', '张三'], [WANG]: ['Wang Wu', '王五'] };

function say(locale: 'en' | 'zh-CN', me: string, row: Parameters<typeof claimOf>[0]): string {
  const c = claimOf(row, {
    name: (k) => (k === me ? (locale === 'en' ? 'you' : '你') : names[k]![locale === 'en' ? 0 : 1]),
    amount: (v, u) => `${(Number(v) / 100).toFixed(2)} ${u}`,
    day: () => (locale === 'en' ? '4 December' : '12月4日'),
    kind: (k) => k,
  });
  return format(MESSAGES[locale][c.key], c.params, locale);
}

const loan = { kind: 'loan', author: LI, time: 0, postings: [
  { account: `member:${LI}`, name: 'Li Si', unit: 'CNY', amount: '50000' },
  { account: `member:${ZHANG}`, name: 'Zhang San', unit: 'CNY', amount: '-50000' },
] };

describe('claims', () => {
  it('a loan, from the lender, to the borrower and to a third member', () => {
    expect(say('en', ZHANG, loan)).toBe('Li Si says they lent you 500.00 CNY on 4 December.');
    expect(say('zh-CN', ZHANG, loan)).toBe('李四说自己在12月4日借给你 500.00 CNY。');
    expect(say('en', WANG, loan)).toBe('Li Si says they lent Zhang San 500.00 CNY on 4 December.');
    expect(say('en', LI, { ...loan, author: ZHANG })).toBe('Zhang San says they borrowed 500.00 CNY from you on 4 December.');
    expect(say('en', LI, { ...loan, author: WANG })).toBe('Wang Wu says you lent Zhang San 500.00 CNY on 4 December.');
  });
  it('a repayment and a payment name who paid whom', () => {
    const repay = { kind: 'repay', author: ZHANG, time: 0, postings: [
      { account: `member:${ZHANG}`, name: '', unit: 'CNY', amount: '20000' },
      { account: `member:${LI}`, name: '', unit: 'CNY', amount: '-20000' },
    ] };
    expect(say('en', LI, repay)).toBe('Zhang San says they paid you back 200.00 CNY on 4 December.');
    expect(say('en', WANG, { ...repay, kind: 'payment', author: LI })).toBe('Li Si says Zhang San paid them 200.00 CNY on 4 December.');
  });
  it('an expense says the kind and the day; the effect on me says how my balance moves', () => {
    const postings = [
      { account: `member:${ZHANG}`, name: '', unit: 'CNY', amount: '6000' },
      { account: `member:${LI}`, name: '', unit: 'CNY', amount: '-3000' },
      { account: `member:${WANG}`, name: '', unit: 'CNY', amount: '-3000' },
    ];
    expect(say('en', WANG, { kind: 'expense', author: ZHANG, time: 0, postings })).toBe('Zhang San recorded “expense” on 4 December.');
    expect(effectOn(postings, WANG)).toEqual({ lowers: [{ unit: 'CNY', by: 3000n }], raises: [] });
    expect(effectOn(postings, ZHANG)).toEqual({ lowers: [], raises: [{ unit: 'CNY', by: 6000n }] });
    expect(movedOf(postings)).toEqual([{ unit: 'CNY', by: 6000n }]);
  });
});
