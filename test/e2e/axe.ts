/**
 * Accessibility check for browser tests: axe-core (WCAG 2.x A/AA and best practices) on the
 * current page; fails on any violation of serious or critical impact, listing the rule, its impact,
 * what it means and the offending nodes. Moderate/minor findings are printed, not failed.
 *
 *   import { expectNoSeriousA11yViolations } from './axe.js';
 *   await expectNoSeriousA11yViolations(page, 'journal, filtered');
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export interface A11yOptions {
  /** Only check inside this CSS selector (default: the whole page). */
  include?: string;
  /** Rule ids to skip, each with a reason in the calling test. */
  disableRules?: string[];
}

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

export async function expectNoSeriousA11yViolations(page: Page, label: string, opts: A11yOptions = {}): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(TAGS);
  if (opts.include !== undefined) builder = builder.include(opts.include);
  if (opts.disableRules !== undefined && opts.disableRules.length > 0) builder = builder.disableRules(opts.disableRules);
  const results = await builder.analyze();
  const describe = (v: (typeof results.violations)[number]) =>
    `${v.id} (${v.impact ?? 'unknown'}): ${v.help}\n` +
    v.nodes
      .slice(0, 8)
      .map((n) => `    ${n.target.join(' ')}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`)
      .join('\n') +
    (v.nodes.length > 8 ? `\n    … and ${v.nodes.length - 8} more` : '') +
    `\n    ${v.helpUrl}`;
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = results.violations.filter((v) => !serious.includes(v));
  if (minor.length > 0) console.log(`[a11y] ${label}: ${minor.length} minor/moderate finding(s):\n  ${minor.map(describe).join('\n  ')}`);
  expect(serious.map(describe), `serious/critical accessibility violations on ${label}`).toEqual([]);
}

/** Fails when the page scrolls sideways at its current viewport width. */
export async function expectNoHorizontalScroll(page: Page, label: string): Promise<void> {
  const { scroll, width, culprits } = await page.evaluate(() => {
    const width = window.innerWidth;
    const culprits = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`);
    return { scroll: document.documentElement.scrollWidth, width, culprits };
  });
  expect(scroll, `${label}: page is ${scroll}px wide at a ${width}px viewport (too wide: ${culprits.join(', ') || '?'})`).toBeLessThanOrEqual(width);
}
