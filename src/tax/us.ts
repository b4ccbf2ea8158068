import type { TaxRule } from './engine.ts';
import { US_STATES, V1_TAX_CODES } from './jurisdictions.ts';
import { rate } from './rate.ts';

/**
 * The US chain's sales taxes: one tax per state (code US-STATE, the state's ISO 3166-2 code),
 * at a plausible combined state-and-local rate per product tax category, groceries and medicine
 * more lightly than general merchandise. Four places, not tax advice; no rate changes over time.
 * These are the rates the US chain has always charged: its messages stay the same for a seed.
 */

export const US_TAX_CATEGORIES = ['general', 'grocery', 'health'] as const;
export type UsTaxCategory = (typeof US_TAX_CATEGORIES)[number];

const US_RATES: Readonly<Record<string, Readonly<Record<UsTaxCategory, string>>>> = {
  'New York': { general: '0.0800', grocery: '0', health: '0' },
  Florida: { general: '0.0700', grocery: '0', health: '0' },
  Illinois: { general: '0.1025', grocery: '0.0225', health: '0.0225' },
  Texas: { general: '0.0825', grocery: '0', health: '0' },
  Colorado: { general: '0.0881', grocery: '0', health: '0' },
  Arizona: { general: '0.0860', grocery: '0', health: '0.0860' },
  California: { general: '0.0950', grocery: '0', health: '0.0950' },
  Washington: { general: '0.1035', grocery: '0', health: '0' },
  Hawaii: { general: '0.0450', grocery: '0.0450', health: '0.0450' },
};

/** One rule per state and rate: the categories taxed alike share it; an untaxed category has none. */
export const US_TAX_RULES: readonly TaxRule[] = Object.entries(US_RATES).flatMap(([state, rates]) => {
  const jurisdiction = US_STATES[state];
  if (!jurisdiction) throw new Error(`${state} is not a US state of jurisdictions.ts`);
  const byRate = new Map<string, UsTaxCategory[]>();
  for (const category of US_TAX_CATEGORIES) {
    if (rate(rates[category]) > 0) byRate.set(rates[category], [...(byRate.get(rates[category]) ?? []), category]);
  }
  return [...byRate].map(([decimal, categories]) => ({
    code: V1_TAX_CODES.US,
    jurisdiction,
    regions: [jurisdiction],
    categories,
    rate: rate(decimal),
  }));
});
