/**
 * Message formatting with cases, a small subset of ICU MessageFormat (pure: no DOM, no state):
 *
 *   {name}                                  the parameter as text (a list of names joined for the locale)
 *   {n, plural, =0 {…} one {# entry} other {# entries}}   by Intl.PluralRules; `#` is the count
 *   {who, select, you {You pay {to}} other {{who} pays {to}}}   by the parameter's value
 *
 * Plural rules and list joining come from Intl, so each language says "1 entry" / "2 entries",
 * "Li Si and Wang Wu" / "李四和王五" by its own rules. A malformed message is shown as written
 * (never thrown: a wrong translation must not break a screen).
 */

/** A message parameter: text, a number, or a list of names (joined as "A, B and C"). */
export type Param = string | number | readonly string[];
export type Params = Readonly<Record<string, Param>>;

type Node = string | { readonly arg: string } | { readonly arg: string; readonly type: 'plural' | 'select'; readonly cases: ReadonlyMap<string, readonly Node[]> } | { readonly hash: true };

const cache = new Map<string, readonly Node[] | null>();

/** Parses a message; null when it is malformed (unbalanced braces, a case without a body). */
export function parse(src: string): readonly Node[] | null {
  const hit = cache.get(src);
  if (hit !== undefined) return hit;
  let out: readonly Node[] | null;
  try {
    const p = { src, i: 0 };
    out = nodes(p, false);
    if (p.i !== src.length) out = null;
  } catch {
    out = null;
  }
  if (cache.size > 2000) cache.clear();
  cache.set(src, out);
  return out;
}

function nodes(p: { src: string; i: number }, inCase: boolean): Node[] {
  const out: Node[] = [];
  let text = '';
  while (p.i < p.src.length) {
    const c = p.src[p.i]!;
    if (c === '}') {
      if (!inCase) throw new Error('unbalanced }');
      break;
    }
    if (c === '#' && inCase) {
      if (text) out.push(text);
      text = '';
      out.push({ hash: true });
      p.i++;
      continue;
    }
    if (c !== '{') {
      text += c;
      p.i++;
      continue;
    }
    if (text) out.push(text);
    text = '';
    out.push(argument(p));
  }
  if (text) out.push(text);
  return out;
}

function argument(p: { src: string; i: number }): Node {
  p.i++; // {
  const m = /^\s*(\w+)\s*(?:,\s*(plural|select)\s*,)?/.exec(p.src.slice(p.i));
  if (m === null) throw new Error('bad argument');
  p.i += m[0].length;
  const arg = m[1]!;
  if (m[2] === undefined) {
    if (p.src[p.i] !== '}') throw new Error('bad argument');
    p.i++;
    return { arg };
  }
  const cases = new Map<string, readonly Node[]>();
  for (;;) {
    const k = /^\s*(=\d+|\w+)\s*\{/.exec(p.src.slice(p.i));
    if (k === null) break;
    p.i += k[0].length;
    cases.set(k[1]!, nodes(p, true));
    if (p.src[p.i] !== '}') throw new Error('unclosed case');
    p.i++;
  }
  const end = /^\s*\}/.exec(p.src.slice(p.i));
  if (end === null || !cases.has('other')) throw new Error('bad cases');
  p.i += end[0].length;
  return { arg, type: m[2] as 'plural' | 'select', cases };
}

/** The number a parameter stands for: a number, a list's length, or digits in formatted text ("1,234"). */
export function countOf(v: Param | undefined): number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.length;
  if (typeof v !== 'string') return NaN;
  const digits = v.replace(/[^\d.-]/g, '');
  return digits === '' ? NaN : Number(digits);
}

const pluralRules = new Map<string, Intl.PluralRules>();
const lists = new Map<string, Intl.ListFormat>();

function textOf(v: Param, locale: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return new Intl.NumberFormat(locale).format(v);
  let lf = lists.get(locale);
  if (lf === undefined) lists.set(locale, (lf = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' })));
  return lf.format(v);
}

/** Formats a message in `locale`; unknown placeholders stay visible (so a missing parameter is noticed). */
export function format(template: string, params: Params | undefined, locale: string): string {
  if (params === undefined && !template.includes('{')) return template;
  const tree = parse(template);
  if (tree === null) return template;
  return render(tree, params ?? {}, locale, null);
}

function render(tree: readonly Node[], params: Params, locale: string, count: string | null): string {
  let out = '';
  for (const n of tree) {
    if (typeof n === 'string') out += n;
    else if ('hash' in n) out += count ?? '#';
    else if (!('type' in n)) out += n.arg in params ? textOf(params[n.arg]!, locale) : `{${n.arg}}`;
    else {
      const v = params[n.arg];
      let body: readonly Node[] | undefined;
      let hash = count;
      if (n.type === 'plural') {
        const c = countOf(v);
        let pr = pluralRules.get(locale);
        if (pr === undefined) pluralRules.set(locale, (pr = new Intl.PluralRules(locale)));
        body = (Number.isFinite(c) ? (n.cases.get(`=${c}`) ?? n.cases.get(pr.select(c))) : undefined) ?? n.cases.get('other');
        hash = v === undefined ? '#' : Array.isArray(v) ? textOf(v.length, locale) : textOf(v, locale);
      } else {
        body = (typeof v === 'string' ? n.cases.get(v) : undefined) ?? n.cases.get('other');
      }
      out += render(body ?? [], params, locale, hash);
    }
  }
  return out;
}

/** The parameters a message reads: `simple` are shown as text, `plural`/`select` choose a case. */
export function argumentsOf(template: string): { simple: string[]; plural: string[]; select: Map<string, string[]> } | null {
  const tree = parse(template);
  if (tree === null) return null;
  const simple = new Set<string>();
  const plural = new Set<string>();
  const select = new Map<string, Set<string>>();
  const walk = (ns: readonly Node[]): void => {
    for (const n of ns) {
      if (typeof n === 'string' || 'hash' in n) continue;
      if (!('type' in n)) simple.add(n.arg);
      else {
        if (n.type === 'plural') plural.add(n.arg);
        else {
          const s = select.get(n.arg) ?? new Set<string>();
          for (const k of n.cases.keys()) s.add(k);
          select.set(n.arg, s);
        }
        for (const c of n.cases.values()) walk(c);
      }
    }
  };
  walk(tree);
  return { simple: [...simple].sort(), plural: [...plural].sort(), select: new Map([...select].map(([k, v]) => [k, [...v].sort()])) };
}
