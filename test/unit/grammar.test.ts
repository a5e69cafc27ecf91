/**
 * Grammar of every message in both languages (issue 16 item 3): every message that takes a count
 * is rendered with 0, 1 and 2, and every message that takes a person with "you", and the English
 * words must agree ("1 entry", "2 entries", "you pay", never "1 entries", "you pays", "field(s)").
 */
import { describe, expect, it } from 'vitest';
import { LOCALES, MESSAGES } from '../../src/ui/i18n/messages.js';
import { argumentsOf, format } from '../../src/ui/i18n/format.js';

/** Parameters that name a member (the screens pass "you" for this member). */
const PERSON = new Set(['name', 'names', 'author', 'from', 'to', 'up', 'down', 'lender', 'borrower', 'payer', 'who']);
/**
 * Messages whose person is never this member, so they need no "you" case: the author of an
 * inbox claim (my own entries never wait for my signature), people I admitted, removed or made
 * admin (the engine refuses doing it to oneself), a join request (never mine on my screen).
 */
const NEVER_YOU: Readonly<Record<string, readonly string[]>> = {
  'claim.loan': ['author'],
  'claim.repay': ['author'],
  'claim.payment': ['author'],
  'claim.other': ['author'],
};
const SINGULAR = 'entry|member|record|input|field|byte|character|decimal|digit|change|person|signature';
const PLURAL = 'entries|members|records|inputs|fields|bytes|characters|decimals|digits|changes|people|signatures';
// "you" as the subject (not "by you is", where the subject comes before).
const YOU_AGREEMENT = /(?<!\b(?:by|to|for|from|of|with) )\byou (is|was|has|pays|says|lacks|asks|waits|owes|signs|lends|borrows|does|needs|gets)\b/i;

function sample(template: string, count: number, you: ReadonlySet<string>, select: ReadonlyMap<string, string>): Record<string, string | number | string[]> {
  const a = argumentsOf(template)!;
  const params: Record<string, string | number | string[]> = {};
  for (const x of a.simple) params[x] = you.has(x) ? (x === 'names' ? ['you'] : 'you') : x === 'names' ? ['Li Si', 'Wang Wu'].slice(0, Math.max(1, count)) : `«${x}»`;
  for (const x of a.plural) params[x] = x === 'names' ? (you.has(x) ? ['you'] : ['Li Si', 'Wang Wu', 'Zhao Liu'].slice(0, Math.max(1, count))) : count;
  for (const [x, v] of select) params[x] = v;
  return params;
}

describe.each(LOCALES)('messages in %s', (locale) => {
  const messages = Object.entries(MESSAGES[locale]);

  it('every message that takes a count reads right with 0, 1 and 2', () => {
    let checked = 0;
    for (const [k, v] of messages) {
      const a = argumentsOf(v)!;
      if (a.plural.length === 0) continue;
      const cases = [...a.select].map(([x, ks]) => ks.map((c) => [x, c] as const));
      const combos = cases.reduce<(readonly (readonly [string, string])[])[]>((acc, cs) => acc.flatMap((p) => cs.map((c) => [...p, c])), [[]]);
      for (const n of [0, 1, 2]) {
        for (const combo of combos) {
          const out = format(v, sample(v, n, new Set(), new Map(combo)), locale);
          checked++;
          expect(out, `${k} with ${n}`).not.toMatch(/[{}#]/);
          if (locale === 'en') {
            expect(out, `${k} with ${n}`).not.toMatch(new RegExp(`\\b1 (${PLURAL})\\b`));
            expect(out, `${k} with ${n}`).not.toMatch(new RegExp(`\\b[02] (${SINGULAR})\\b`));
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(locale === 'en' ? 30 : 5);
  });

  it('every message that takes a person reads right with "you"', () => {
    let checked = 0;
    for (const [k, v] of messages) {
      const a = argumentsOf(v)!;
      const persons = [...a.simple, ...a.plural].filter((x) => PERSON.has(x) && !(NEVER_YOU[k] ?? []).includes(x));
      if (persons.length === 0) continue;
      const selects = [...a.select].map(([x, ks]) => ks.map((c) => [x, c] as const));
      const combos = selects.reduce<(readonly (readonly [string, string])[])[]>((acc, cs) => acc.flatMap((p) => cs.map((c) => [...p, c])), [[]]);
      for (const p of persons) {
        // A selector named after the person ("fromIs") says whether it is this member: "you" then.
        const own = `${p}Is`;
        for (const combo of combos) {
          const sel = new Map(combo);
          if (a.select.has(own)) sel.set(own, 'you');
          const out = format(v, sample(v, 1, new Set([p]), sel), locale);
          checked++;
          expect(out, `${k} with ${p} = you`).not.toMatch(/[{}]/);
          if (locale === 'en') expect(out, `${k} with ${p} = you (${[...sel].join(' ')})`).not.toMatch(YOU_AGREEMENT);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  if (locale === 'en') {
    it('no "(s)" and no bare count before a plural noun', () => {
      for (const [k, v] of messages) {
        expect(v, k).not.toMatch(/\(s\)/);
        expect(v, k).not.toMatch(new RegExp(`\\{\\w+\\} (${PLURAL}|${SINGULAR})\\b`));
      }
    });
  }
});

describe('format', () => {
  it('plural, select, lists and the count', () => {
    const m = '{n, plural, =0 {nothing} one {# entry} other {# entries}}';
    expect(format(m, { n: 0 }, 'en')).toBe('nothing');
    expect(format(m, { n: 1 }, 'en')).toBe('1 entry');
    expect(format(m, { n: 1234 }, 'en')).toBe('1,234 entries');
    expect(format(m, { n: '1,234' }, 'en')).toBe('1,234 entries');
    expect(format('{w, select, you {You pay {to}} other {{w} pays {to}}}', { w: 'you', to: 'Li Si' }, 'en')).toBe('You pay Li Si');
    expect(format('{w, select, you {You pay {to}} other {{w} pays {to}}}', { w: 'Wang Wu', to: 'Li Si' }, 'en')).toBe('Wang Wu pays Li Si');
    expect(format('{names} were admitted.', { names: ['Zhang San', 'Li Si'] }, 'en')).toBe('Zhang San and Li Si were admitted.');
    expect(format('已批准{names}加入。', { names: ['张三', '李四'] }, 'zh-CN')).toBe('已批准张三和李四加入。');
    expect(format('{a} {missing}', { a: 1 }, 'en')).toBe('1 {missing}');
    expect(format('broken {n, plural, one {x}', { n: 1 }, 'en')).toBe('broken {n, plural, one {x}');
  });
});
