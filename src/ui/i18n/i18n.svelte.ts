/**
 * The app's language: messages by key with {named} parameters, and amounts, numbers and dates
 * formatted for the locale. The locale comes from the member's choice (kept in localStorage) or
 * the browser's languages; switching it re-renders every screen (it is reactive state).
 */
import { LOCALES, MESSAGES, type Locale, type MessageKey } from './messages.js';
import { format, type Params } from './format.js';

export type { Params } from './format.js';

const STORAGE_KEY = 'village-ledger:locale';

/** The best supported locale for a list of browser languages (navigator.languages). */
export function pickLocale(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const l = lang.toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

/** Fills {name} placeholders; unknown placeholders stay visible, so a missing parameter is noticed. */
export function interpolate(template: string, params?: Readonly<Record<string, string | number>>): string {
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/**
 * A decimal string of subunits ("-12345") as a locale amount with `decimals` places ("-123.45",
 * grouped for the locale). Bigint-safe: amounts never go through floating point.
 */
export function formatSubunits(v: string, decimals: number, locale: string): string {
  const neg = v.startsWith('-');
  const digits = (neg ? v.slice(1) : v).replace(/^0+(?=\d)/, '').padStart(decimals + 1, '0');
  const whole = BigInt(digits.slice(0, digits.length - decimals));
  const parts = new Intl.NumberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).formatToParts(neg ? -whole : whole);
  let out = '';
  for (const p of parts) {
    if (p.type === 'fraction') continue;
    if (p.type === 'decimal') continue;
    out += p.value;
  }
  if (neg && whole === 0n) out = `-${out}`;
  if (decimals > 0) {
    const sep = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
    out += sep + digits.slice(digits.length - decimals);
  }
  return out;
}

/**
 * Reads a typed amount ("1,234.5", "1234,50" is refused) as subunits. Returns null when it is not
 * a plain non-negative decimal with at most `decimals` places.
 */
export function parseAmount(text: string, decimals: number): bigint | null {
  const s = text.trim().replace(/[\s,，]/g, '');
  const m = /^(\d+)(?:[.。](\d*))?$/.exec(s);
  if (m === null) return null;
  const frac = m[2] ?? '';
  if (frac.length > decimals) return null;
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt((frac + '0'.repeat(decimals)).slice(0, decimals) || '0');
}

class I18n {
  locale = $state<Locale>('en');

  constructor() {
    this.locale = initialLocale();
    this.apply();
  }

  /** The message `key` in the current language, with {named} parameters filled in. */
  t(key: MessageKey, params?: Params): string {
    return format(MESSAGES[this.locale][key] ?? MESSAGES.en[key] ?? key, params, this.locale);
  }

  /** Switches the language (and remembers the choice on this device). */
  set(locale: Locale): void {
    this.locale = locale;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, locale);
    } catch {
      // blocked storage: the choice lasts until the page is closed
    }
    this.apply();
  }

  /** Subunits as an amount: formatSubunits in this locale, with the unit code after it when given. */
  amount(subunits: string | bigint, decimals: number, unit?: string): string {
    const s = formatSubunits(String(subunits), decimals, this.locale);
    return unit === undefined ? s : `${s} ${unit}`;
  }

  number(n: number): string {
    return new Intl.NumberFormat(this.locale).format(n);
  }

  /** A day in words: "4 December" / "12月4日" (with the year when it is not this year's). */
  day(ms: number, now = Date.now()): string {
    const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
    return new Intl.DateTimeFormat(this.locale, { day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }) }).format(ms);
  }

  /** Sorts names for the locale (Chinese by pinyin, as Intl.Collator orders them). */
  compare(a: string, b: string): number {
    return collator(this.locale).compare(a, b);
  }

  date(ms: number): string {
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium' }).format(ms);
  }

  dateTime(ms: number): string {
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
  }

  private apply(): void {
    if (typeof document !== 'undefined') document.documentElement.lang = this.locale;
  }
}

// A cache of formatters, not shown state.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const collators = new Map<string, Intl.Collator>();
function collator(locale: string): Intl.Collator {
  let c = collators.get(locale);
  if (c === undefined) collators.set(locale, (c = new Intl.Collator(locale)));
  return c;
}

function initialLocale(): Locale {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved !== null && saved !== undefined && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // blocked storage: use the browser's languages
  }
  return pickLocale(globalThis.navigator?.languages ?? []);
}

/** The app's one language state. */
export const i18n = new I18n();

/** Shorthand for `i18n.t` (reactive: reads the current locale). */
export const t = (key: MessageKey, params?: Params): string => i18n.t(key, params);
