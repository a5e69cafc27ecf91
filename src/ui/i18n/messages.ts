/**
 * Every message of the app, by locale. English defines the keys; every other locale must have
 * exactly the same keys (`satisfies Record<keyof typeof en, string>` in each file, and
 * test/unit/i18n.test.ts at run time). One file per screen and locale, so screens own their words.
 */
import enCommon from './en/common.js';
import zhCommon from './zh-CN/common.js';
import enCheck from './en/check.js';
import zhCheck from './zh-CN/check.js';
import enQr from './en/qr.js';
import zhQr from './zh-CN/qr.js';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** Native names, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

const en = { ...enCommon, ...enCheck, ...enQr };

export type MessageKey = keyof typeof en;

export const MESSAGES: Record<Locale, Readonly<Record<MessageKey, string>>> = {
  en,
  'zh-CN': { ...zhCommon, ...zhCheck, ...zhQr },
};
