/**
 * Every string of the app comes from the message files, complete in every language: a missing
 * key, an empty message, a placeholder that differs between languages, or a key used in the code
 * but absent from the files fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCALES, MESSAGES } from '../../src/ui/i18n/messages.js';
import { formatSubunits, interpolate, parseAmount, pickLocale } from '../../src/ui/i18n/i18n.svelte.js';
import { argumentsOf, parse } from '../../src/ui/i18n/format.js';
import { href, parseRoute } from '../../src/ui/router.svelte.js';

/** The parameters a message shows (as text or as a count); selectors only choose a case and may differ. */
const shown = (s: string) => {
  const a = argumentsOf(s);
  return a === null ? null : [...new Set([...a.simple, ...a.plural])].sort();
};
const all = (s: string) => {
  const a = argumentsOf(s);
  return a === null ? [] : [...a.simple, ...a.plural, ...a.select.keys()];
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(svelte|ts)$/.test(f) ? [p] : [];
  });
}

describe('messages', () => {
  const en = MESSAGES.en;
  it.each(LOCALES.filter((l) => l !== 'en'))('%s has exactly the English keys, none empty, showing the same parameters', (locale) => {
    const m = MESSAGES[locale];
    expect(Object.keys(m).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(m)) {
      const e = en[k as keyof typeof en];
      expect(v.trim(), `${locale} ${k}`).not.toBe('');
      expect(parse(v), `${locale} ${k} is well formed`).not.toBeNull();
      // What one language shows, the other reads too (as text, a count or a case); selectors may differ.
      for (const x of shown(v)!) expect(all(e), `${locale} ${k}: {${x}}`).toContain(x);
      for (const x of shown(e)!) expect(all(v), `${locale} ${k}: {${x}}`).toContain(x);
    }
    for (const [k, v] of Object.entries(en)) expect(parse(v), `en ${k} is well formed`).not.toBeNull();
  });

  it('every key the screens use literally exists', () => {
    const used = new Set<string>();
    for (const f of files('src/ui')) {
      if (f.includes(`${join('src', 'ui', 'i18n')}`)) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_./-]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !(k in en));
    expect(missing).toEqual([]);
  });

  it('every engine error code and rule reason has words in every language, none of them English on the Chinese screens', async () => {
    const { ENGINE_ERROR_CODES } = await import('../../src/worker/errors.js');
    const { REASONS } = await import('../../src/core/errors.js');
    const { engineErrorText } = await import('../../src/ui/engine-error.js');
    const { i18n } = await import('../../src/ui/i18n/i18n.svelte.js');
    for (const code of ENGINE_ERROR_CODES) {
      for (const locale of LOCALES) expect(MESSAGES[locale][`engineError.${code}` as keyof typeof en], `${locale} engineError.${code}`).toBeTruthy();
    }
    for (const r of [...REASONS, 'invalid']) expect(`engineReason.${r}` in en, r).toBe(true);
    const before = i18n.locale;
    try {
      i18n.set('zh-CN');
      for (const code of ENGINE_ERROR_CODES) {
        const text = engineErrorText({ code, params: { reason: 'permission', book: '012345678901', min: 1, max: 60, detail: '', copies: 0, have: 0, seconds: 5, method: 'x' } });
        expect(text.replace(/https|PIN/g, ''), code).not.toMatch(/[A-Za-z]{3,}/); // no English words (the terms https and PIN stay)
        expect(text, code).not.toMatch(/\{\w+\}/);
      }
    } finally {
      i18n.set(before);
    }
  });

  it('every kind the core knows has words', async () => {
    const { MONEY_KINDS } = await import('../../src/core/money-kinds.js');
    for (const k of ['book/open', 'member/join', 'member/admit', 'note', ...MONEY_KINDS]) expect(`kind.${k}` in en, k).toBe(true);
  });
});

describe('formatting', () => {
  it('amounts are bigint-safe and locale-grouped', () => {
    expect(formatSubunits('12345', 2, 'en')).toBe('123.45');
    expect(formatSubunits('-5', 2, 'en')).toBe('-0.05');
    expect(formatSubunits('123456789012345678901', 2, 'en')).toBe('1,234,567,890,123,456,789.01');
    expect(formatSubunits('7', 0, 'zh-CN')).toBe('7');
    expect(formatSubunits('-100000', 2, 'zh-CN')).toBe('-1,000.00');
  });
  it('typed amounts', () => {
    expect(parseAmount('12.5', 2)).toBe(1250n);
    expect(parseAmount(' 1,234.56 ', 2)).toBe(123456n);
    expect(parseAmount('12.345', 2)).toBeNull();
    expect(parseAmount('12a', 2)).toBeNull();
    expect(parseAmount('-3', 2)).toBeNull();
    expect(parseAmount('3', 0)).toBe(3n);
  });
  it('placeholders', () => {
    expect(interpolate('{a} owes {b}', { a: 'Li', b: 'Wang' })).toBe('Li owes Wang');
    expect(interpolate('{a} {missing}', { a: 1 })).toBe('1 {missing}');
  });
  it('language from the browser', () => {
    expect(pickLocale(['zh-TW', 'en'])).toBe('zh-CN');
    expect(pickLocale(['fr', 'en-GB'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });
});

describe('routes', () => {
  const book = 'a'.repeat(64);
  const id = 'b'.repeat(64);
  it.each([
    ['#/', { name: 'books' }],
    ['', { name: 'books' }],
    ['#/new', { name: 'new-book' }],
    ['#/settings', { name: 'settings' }],
    [`#/b/${book}`, { name: 'home', book }],
    [`#/b/${book}/journal`, { name: 'journal', book }],
    [`#/b/${book}/record/fund%2Fdeposit`, { name: 'record', book, kind: 'fund/deposit' }],
    [`#/b/${book}/e/${id}`, { name: 'entry', book, id }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(parseRoute(href(parseRoute(hash)))).toEqual(route);
  });
  it('invites and unknown fragments', () => {
    expect(parseRoute('#join&book=x')).toEqual({ name: 'join', invite: 'join&book=x' });
    expect(parseRoute('#/b/nothex').name).toBe('not-found');
    expect(parseRoute(`#/b/${book}/e/short`).name).toBe('not-found');
  });
});
