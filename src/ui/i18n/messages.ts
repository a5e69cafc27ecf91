/**
 * Every message of the app, by locale. English defines the keys; every other locale must have
 * exactly the same keys (`satisfies Record<keyof typeof en, string>` in each file, and
 * test/unit/i18n.test.ts at run time). One file per screen and locale, so screens own their words.
 */
import enCommon from './en/common.js';
import zhCommon from './zh-CN/common.js';
import enCheck from './en/check.js';
import zhCheck from './zh-CN/check.js';
import enStart from './en/start.js';
import zhStart from './zh-CN/start.js';
import enBook from './en/book.js';
import zhBook from './zh-CN/book.js';
import enSettings from './en/settings.js';
import zhSettings from './zh-CN/settings.js';
import enRecord from './en/record.js';
import zhRecord from './zh-CN/record.js';
import enKinds from './en/kinds.js';
import zhKinds from './zh-CN/kinds.js';
import enJournal from './en/journal.js';
import zhJournal from './zh-CN/journal.js';
import enEntry from './en/entry.js';
import zhEntry from './zh-CN/entry.js';
import enCharts from './en/charts.js';
import zhCharts from './zh-CN/charts.js';
import enQr from './en/qr.js';
import zhQr from './zh-CN/qr.js';
import enClass from './en/class.js';
import zhClass from './zh-CN/class.js';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** Native names, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

const en = { ...enCommon, ...enCheck, ...enStart, ...enBook, ...enSettings, ...enRecord, ...enKinds, ...enJournal, ...enEntry, ...enCharts, ...enQr, ...enClass };

export type MessageKey = keyof typeof en;

export const MESSAGES: Record<Locale, Readonly<Record<MessageKey, string>>> = {
  en,
  'zh-CN': { ...zhCommon, ...zhCheck, ...zhStart, ...zhBook, ...zhSettings, ...zhRecord, ...zhKinds, ...zhJournal, ...zhEntry, ...zhCharts, ...zhQr, ...zhClass },
};
