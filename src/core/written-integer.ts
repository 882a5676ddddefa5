/**
 * The one form an integer field of a config file takes: decimal digits, a `-` for a negative number, no leading zero
 * (`0`, `-12`, `1000`); a field that takes fractions refuses a leading zero too (`010`, not `0.010`), and a
 * hexadecimal or octal number (`0x10`, `0o7`). The yaml library (YAML 1.2 core schema) also reads `1e3`, `0x10`, `0o7`, `+5` and `5.0` as
 * integers, and `010` as 10, where a YAML 1.1 reader (PyYAML, for one) reads 8: such a value
 * is refused, so that a number means what it says to every reader.
 */
import { echoWritten } from './echo-value';
import { writtenAt, type WrittenScalar } from './config-yaml-values';

/** An integer in decimal digits, without a leading zero. */
const DECIMAL = /^-?(?:0|[1-9][0-9]*)$/;
/** Decimal digits after a leading zero (`010`, `-007`); octal for YAML 1.1 where every digit is below 8. */
const LEADING_ZERO = /^([-+]?)0+([0-9]+)$/;

/**
 * What is wrong with `n`, a whole number of `file` read for a number field, as the detail of a config error; undefined
 * when it is written as it means. An integer field (`integerField`) takes decimal digits only; any number field
 * refuses a leading zero. `010`: `must be an integer written without a leading zero, got 010 (run.yaml:7:13): YAML
 * 1.2, as a config is read, takes it as 10, YAML 1.1 as the octal 8; write 10, or 8 if octal was meant (…)` (`a
 * number` for a field that takes fractions); `1e3` in an integer field: `must be an integer written in decimal digits
 * only, got 1e3 (run.yaml:7:13)`.
 */
export function writtenIntegerProblem(file: string, n: WrittenScalar, integerField = true): string | undefined {
  if (DECIMAL.test(n.text)) return undefined;
  const got = `got ${echoWritten(n.source)} (${writtenAt(file, n)})`;
  const zero = LEADING_ZERO.exec(n.text);
  if (!zero) {
    if (integerField) return `must be an integer written in decimal digits only, ${got}`;
    // Hexadecimal or octal where a fraction is read (innerLr: 0x10): a typo, or a number no reader of the field expects.
    return /^[-+]?0[xXoO]/.test(n.text) ? `must be a number written in decimal, ${got}: YAML 1.2, as a config is read, takes it as ${n.value}; write ${n.value}` : undefined;
  }
  const sign = zero[1] === '-' ? '-' : '';
  const decimal = `${sign}${zero[2]}`;
  const octal = /^[0-7]+$/.test(zero[2]!) ? `${sign}${BigInt(`0o${zero[2]}`)}` : undefined;
  const yaml11 = octal === undefined ? 'YAML 1.1 does not read it as a number' : `YAML 1.1 as the octal ${octal}`;
  const notOctal = integerField ? ' (integer fields take decimal digits only, so not 0o' + zero[2] + ')' : '';
  const orOctal = octal === undefined || octal === decimal ? '' : `, or ${octal} if octal was meant${notOctal}`;
  return `must be ${integerField ? 'an integer' : 'a number'} written without a leading zero, ${got}: YAML 1.2, as a config is read, takes it as ${decimal}, ${yaml11}; write ${decimal}${orOctal}`;
}
