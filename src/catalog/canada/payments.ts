import type { TenderMix } from '../payments.ts';

/**
 * How Canadians pay at the grocer: Interac debit is the card most used (method debit_card, brand
 * "interac"; a few debit cards are Visa Debit or Debit Mastercard), credit for bigger baskets,
 * cash less and less, tap-to-pay phones, and gift cards. Limits in cents.
 */
export const CANADIAN_TENDERS: TenderMix = {
  byTotal: [
    [
      1_000,
      [
        ['cash', 0.33],
        ['debit_card', 0.36],
        ['credit_card', 0.12],
        ['mobile_wallet', 0.17],
        ['gift_card', 0.02],
      ],
    ],
    [
      5_000,
      [
        ['cash', 0.17],
        ['debit_card', 0.42],
        ['credit_card', 0.25],
        ['mobile_wallet', 0.14],
        ['gift_card', 0.02],
      ],
    ],
    [
      15_000,
      [
        ['cash', 0.08],
        ['debit_card', 0.42],
        ['credit_card', 0.36],
        ['mobile_wallet', 0.11],
        ['gift_card', 0.03],
      ],
    ],
    [
      Number.POSITIVE_INFINITY,
      [
        ['cash', 0.04],
        ['debit_card', 0.37],
        ['credit_card', 0.48],
        ['mobile_wallet', 0.08],
        ['gift_card', 0.03],
      ],
    ],
  ],
  cardBrands: {
    debit_card: [
      ['interac', 0.92],
      ['visa', 0.05],
      ['mastercard', 0.03],
    ],
    credit_card: [
      ['visa', 0.52],
      ['mastercard', 0.36],
      ['amex', 0.12],
    ],
  },
};
