import { InvalidArgumentError } from 'commander';

/** A whole number option, refused by commander with its name when it is not one. */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number from ${min}`);
    }
    return n;
  };
}
