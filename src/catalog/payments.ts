import type { PaymentMethod } from '../contract/message.ts';
import type { Random } from '../plumbing/random.ts';

export interface Tender {
  method: PaymentMethod;
  /** The card network for credit and debit cards; null for the other methods. */
  cardBrand: string | null;
}

export type Mix = readonly [PaymentMethod, number][];

/** How a chain's customers pay: the methods by basket total (up to a limit in cents), and the card networks. */
export interface TenderMix {
  byTotal: readonly [number, Mix][];
  cardBrands: Partial<Record<PaymentMethod, readonly [string, number][]>>;
}

/** Cash is for small baskets; the bigger the basket, the likelier a credit card. Limits in cents. */
const MIX_BY_TOTAL: readonly [number, Mix][] = [
  [
    1_000,
    [
      ['cash', 0.45],
      ['debit_card', 0.2],
      ['credit_card', 0.13],
      ['mobile_wallet', 0.2],
      ['gift_card', 0.02],
    ],
  ],
  [
    5_000,
    [
      ['cash', 0.25],
      ['debit_card', 0.3],
      ['credit_card', 0.25],
      ['mobile_wallet', 0.17],
      ['gift_card', 0.03],
    ],
  ],
  [
    15_000,
    [
      ['cash', 0.12],
      ['debit_card', 0.3],
      ['credit_card', 0.4],
      ['mobile_wallet', 0.14],
      ['gift_card', 0.04],
    ],
  ],
  [
    Number.POSITIVE_INFINITY,
    [
      ['cash', 0.05],
      ['debit_card', 0.25],
      ['credit_card', 0.55],
      ['mobile_wallet', 0.1],
      ['gift_card', 0.05],
    ],
  ],
];

const CARD_BRANDS: Partial<Record<PaymentMethod, readonly [string, number][]>> = {
  credit_card: [
    ['visa', 0.5],
    ['mastercard', 0.3],
    ['amex', 0.12],
    ['discover', 0.08],
  ],
  debit_card: [
    ['visa', 0.6],
    ['mastercard', 0.4],
  ],
};

/** The US chain's. */
export const US_TENDERS: TenderMix = { byTotal: MIX_BY_TOTAL, cardBrands: CARD_BRANDS };

/** How a basket of `totalCents` is paid; anonymous shoppers lean to cash. */
export function chooseTender(random: Random, totalCents: number, anonymous: boolean, tenders: TenderMix = US_TENDERS): Tender {
  const mix = (tenders.byTotal.find(([limit]) => totalCents < limit) as [number, Mix])[1];
  const method = anonymous && random.chance(0.15) ? 'cash' : random.choose(mix);
  const brands = tenders.cardBrands[method];
  return { method, cardBrand: brands ? random.choose(brands) : null };
}

/** What a cash customer hands over: the exact amount, or the next dollar, five, ten, twenty… */
export function cashTendered(random: Random, totalCents: number): number {
  const steps = totalCents > 10_000 ? [100, 2_000, 5_000, 10_000] : [1, 100, 500, 1_000, 2_000];
  const step = random.pick(steps);
  return Math.ceil(totalCents / step) * step;
}
