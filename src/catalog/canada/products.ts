import type { ListedProduct, ProductLine } from '../products.ts';
import { CANADIAN_CATEGORIES, CANADIAN_HOUSE_BRAND, canadianCategory } from './categories.ts';

/** A prototype grocery: sold each, under the house brand, at its price in cents. */
const grocery = (name: string, category: string, unitPrice: number): ListedProduct => ({
  name,
  category: canadianCategory(category),
  brand: CANADIAN_HOUSE_BRAND,
  unit: 'each',
  unitPrice,
});

/** The prototype's 20 groceries (its groceries.json and inventory.json), PROD001…PROD020, at its prices; all zero-rated. */
const PROTOTYPE_GROCERIES: readonly ListedProduct[] = [
  grocery('Apples', 'Produce', 250),
  grocery('Bananas', 'Produce', 120),
  grocery('Milk (1 gallon)', 'Dairy & Eggs', 350),
  grocery('Bread (whole wheat)', 'Bakery', 200),
  grocery('Eggs (dozen)', 'Dairy & Eggs', 180),
  grocery('Chicken (1 lb)', 'Meat & Seafood', 450),
  grocery('Tomatoes', 'Produce', 175),
  grocery('Potatoes (5 lbs)', 'Produce', 250),
  grocery('Pasta (1 lb)', 'Pantry', 100),
  grocery('Rice (2 lbs)', 'Pantry', 220),
  grocery('Canned Soup', 'Pantry', 150),
  grocery('Cheese (8 oz)', 'Dairy & Eggs', 300),
  grocery('Ground Beef (1 lb)', 'Meat & Seafood', 500),
  grocery('Spinach (1 bunch)', 'Produce', 180),
  grocery('Oranges', 'Produce', 300),
  grocery('Cereal', 'Pantry', 350),
  grocery('Coffee (12 oz)', 'Pantry', 550),
  grocery('Butter (1 lb)', 'Dairy & Eggs', 275),
  grocery('Onions (1 lb)', 'Produce', 150),
  grocery('Salmon (1 lb)', 'Meat & Seafood', 800),
];

/** The Canadian chain's: the prototype's groceries first, SKUs PROD001… that no US SKU (P000001…) can equal. */
export const CANADIAN_PRODUCT_LINE: ProductLine = {
  categories: CANADIAN_CATEGORIES,
  houseBrand: CANADIAN_HOUSE_BRAND,
  skuPrefix: 'PROD',
  skuDigits: () => 3,
  listed: PROTOTYPE_GROCERIES,
};
