/**
 * The study's merge of product names across the CFPB's three naming schemes (before 2017,
 * 2017–2023, 2024 on) into one class each. Names not listed stay as they are.
 */
export const STUDY_PRODUCT_MERGE: Readonly<Record<string, string>> = Object.freeze({
  'Credit reporting, credit repair services, or other personal consumer reports': 'Credit reporting',
  'Credit reporting or other personal consumer reports': 'Credit reporting',
  'Credit reporting': 'Credit reporting',
  'Payday loan, title loan, or personal loan': 'Payday or personal loan',
  'Payday loan, title loan, personal loan, or advance loan': 'Payday or personal loan',
  'Payday loan': 'Payday or personal loan',
  'Money transfer, virtual currency, or money service': 'Money transfer or virtual currency',
  'Money transfers': 'Money transfer or virtual currency',
  'Virtual currency': 'Money transfer or virtual currency',
  'Bank account or service': 'Checking or savings account',
  'Debt or credit management': 'Debt collection',
  'Credit card': 'Credit card or prepaid card',
  'Prepaid card': 'Credit card or prepaid card',
});

export function mergeProduct(
  product: string,
  mapping: Readonly<Record<string, string>> = STUDY_PRODUCT_MERGE,
): string {
  return Object.hasOwn(mapping, product) ? mapping[product] : product;
}
