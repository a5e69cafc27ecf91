/**
 * Bodies of the money and governance kinds (docs/FORMAT.md §8–§10). Each kind lives in one family
 * module under kinds/ (body shape, limits, references, postings, parties, context rules); this
 * module re-exports the registry's reading functions and body types for existing importers.
 */
export type { KeyedAmount, SplitMethod } from './kinds/expense.js';
export type { FundType } from './kinds/fund.js';
export { bodyRefs, MONEY_KINDS, POSTING_KINDS, readMoneyBody, REF_KINDS, specOf, type MoneyBody } from './kinds/registry.js';
