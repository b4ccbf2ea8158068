import type { CanadianTaxCategory } from '../../tax/canada.ts';
import { CATEGORIES, type Category } from '../categories.ts';

/** The Canadian chain's own brand, in both languages' spelling. */
export const CANADIAN_HOUSE_BRAND = 'Boréal';

/** A US category as it is, taxed in Canada's categories. */
function asIn(name: string, taxCategory: CanadianTaxCategory, changes: Partial<Category> = {}): Category {
  const category = CATEGORIES.find((candidate) => candidate.name === name);
  if (!category) throw new Error(`no category ${name}`);
  return { ...category, taxCategory, ...changes };
}

/**
 * A Canadian grocer's departments, each of one tax category (src/tax/canada.ts): where the US
 * chain has one "Beverages" aisle, Canada's taxes split it into soft drinks (taxable) and juice and
 * water (zero-rated), and snacks from candy (British Columbia taxes neither, but the GST both).
 */
export const CANADIAN_CATEGORIES: readonly Category[] = [
  asIn('Produce', 'basic-grocery'),
  asIn('Meat & Seafood', 'basic-grocery', { brands: ['Prairie Ranch', 'Atlantic Catch', 'Heritage Farms'] }),
  asIn('Dairy & Eggs', 'basic-grocery'),
  asIn('Bakery', 'basic-grocery', {
    items: [
      'Sourdough Bread',
      'Bagels',
      'Whole Wheat Bread',
      'Dinner Rolls',
      'Baguette',
      'Pita Bread',
      'Butter Tarts',
      'Bannock',
    ],
  }),
  asIn('Frozen', 'basic-grocery'),
  asIn('Pantry', 'basic-grocery'),
  {
    name: 'Juice & Water',
    taxCategory: 'basic-grocery',
    catalogShare: 4,
    basketShare: 5,
    medianPrice: 349,
    priceSpread: 0.4,
    soldByWeight: 0,
    brands: ['Crystal Spring', 'Orchard Lane', 'Laurentian'],
    items: ['Orange Juice', 'Apple Juice', 'Spring Water', 'Cranberry Cocktail', 'Grapefruit Juice', 'Tomato Juice'],
    variants: ['1.75 L', '4 L', '12 Pack', 'No Sugar Added', 'Classic'],
  },
  {
    name: 'Soft Drinks',
    taxCategory: 'soft-drink',
    catalogShare: 4,
    basketShare: 5,
    medianPrice: 279,
    priceSpread: 0.5,
    soldByWeight: 0,
    brands: ['Fizz Co', 'Northern Pop', 'Peak Energy'],
    items: ['Cola', 'Ginger Ale', 'Root Beer', 'Lemon-Lime Soda', 'Cream Soda', 'Energy Drink', 'Sparkling Lemonade'],
    variants: ['12 Pack', '2 L', 'Zero Sugar', 'Classic', '6 Pack'],
  },
  asIn('Snacks', 'snack', {
    items: [
      'Potato Chips',
      'Ketchup Chips',
      'Pretzels',
      'Tortilla Chips',
      'Popcorn',
      'Mixed Nuts',
      'Cheese Puffs',
      'Granola Bars',
    ],
    variants: ['All Dressed', 'Sea Salt', 'Family Size', 'Salt & Vinegar', 'Classic'],
  }),
  {
    name: 'Candy & Chocolate',
    taxCategory: 'candy',
    catalogShare: 3,
    basketShare: 4,
    medianPrice: 249,
    priceSpread: 0.45,
    soldByWeight: 0,
    brands: ['Cocoa Bay', 'Sucrerie du Nord', 'Sweet Harbour'],
    items: ['Milk Chocolate Bar', 'Maple Fudge', 'Gummy Bears', 'Licorice', 'Chewing Gum', 'Dark Chocolate', 'Sucre à la crème'],
    variants: ['Share Size', 'Classic', 'Mini', 'Family Pack'],
  },
  {
    name: 'Deli & Prepared',
    taxCategory: 'prepared-food',
    catalogShare: 4,
    basketShare: 5,
    medianPrice: 899,
    priceSpread: 0.4,
    soldByWeight: 0,
    brands: ['Kitchen Counter', 'Chez Boréal'],
    items: [
      'Rotisserie Chicken',
      'Poutine',
      'Tourtière Slice',
      'Sushi Tray',
      'Turkey Sandwich',
      'Caesar Salad',
      'Butter Chicken Bowl',
    ],
    variants: ['Hot', 'Fresh', 'Large', 'Classic'],
  },
  asIn('Household', 'household'),
  asIn('Personal Care', 'personal-care'),
  asIn('Health', 'health'),
  asIn('Pet', 'general'),
  asIn('Home & Kitchen', 'general'),
];

/** A Canadian category by name. */
export function canadianCategory(name: string): Category {
  const category = CANADIAN_CATEGORIES.find((candidate) => candidate.name === name);
  if (!category) throw new Error(`no Canadian category ${name}`);
  return category;
}
