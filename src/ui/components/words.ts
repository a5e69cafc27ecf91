/** Words for entries on every screen: kind names and status badges in the current language. */
import { t } from '../i18n/i18n.svelte.js';
import { MESSAGES, type MessageKey } from '../i18n/messages.js';
import { badgeOf, kindKey, type BadgeClass } from './entry-words.js';

/** The kind in words ("Loan", "借款"); the raw kind when the app has no words for it. */
export function kindName(kind: string): string {
  const k = kindKey(kind, (key) => key in MESSAGES.en);
  return k === null ? kind : t(k as MessageKey);
}

/** The badge of an entry's status: its class and words, or null. */
export function badge(row: { readonly status: string; readonly money: string | null }): { cls: BadgeClass; text: string } | null {
  const cls = badgeOf(row);
  return cls === null ? null : { cls, text: t(`status.${cls}`) };
}
