/** 身份证号 input: digits and a final X only (a lower-case x becomes X), at most 18 characters. */
export const ID_NUMBER_LENGTH = 18

export function formatIdNumber(value: string): string {
  return value.toUpperCase().replace(/[^0-9X]/g, '').slice(0, ID_NUMBER_LENGTH)
}
