// Number formatting shared by the views (and the e2e tests that compare what is shown with the API's figures).

/** Integers as they are, other numbers with two decimals, a dash where there is no value (a keypoint never labelled). */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
