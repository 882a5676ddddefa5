/** Config files as written by hand: YAML syntax errors with their position, integers written in digits only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRunConfig } from '../../src/core/config';
import { ConfigError, YamlSyntaxError } from '../../src/core/errors';
import { tempDir } from '../support/harness';

const head = 'name: demo\ntask:\n  family: sinusoid\nmodel:\n  kind: sinusoid-mlp\n';

function file(text: string): string {
  const path = join(tempDir(), 'run.yaml');
  writeFileSync(path, text);
  return path;
}

test('a YAML syntax error is reported as FILE:LINE:COL: invalid YAML: reason', () => {
  const cases: Array<[string, number, number, RegExp]> = [
    [`${head}training:\n  maxSteps: [1, 2\n  patience: 3\n`, 8, 3, /Flow sequence/],
    [`${head}training:\n  maxSteps: 5\n  maxSteps: 6\n`, 8, 3, /Map keys must be unique/],
    [`${head}training:\n    maxSteps: 5\n  patience: 3\n`, 8, 1, /same column/],
  ];
  for (const [text, line, column, reason] of cases) {
    const path = file(text);
    assert.throws(
      () => loadRunConfig(path),
      (e: unknown) => e instanceof YamlSyntaxError && e instanceof ConfigError && e.message.startsWith(`${path}:${line}:${column}: invalid YAML: `) && reason.test(e.message) && !e.message.includes('\n'),
      text,
    );
  }
});

test('an integer field written as 1e3, 0x10, 0o7, +5 or 5.0 is refused, naming the field, the value and its position', () => {
  for (const written of ['1e3', '0x10', '0o7', '+5', '5.0']) {
    const path = file(`${head}training:\n  maxSteps: ${written}\n`);
    assert.throws(
      () => loadRunConfig(path),
      (e: unknown) => e instanceof ConfigError && e.message === `invalid config at training.maxSteps: must be an integer written in decimal digits only, got ${written} (${path}:7:13)`,
      written,
    );
  }
  const inList = file(`${head}kubernetes:\n  gpu:\n    tolerations:\n      - key: a\n        tolerationSeconds: 1e2\n`);
  assert.throws(() => loadRunConfig(inList), (e: unknown) => e instanceof ConfigError && e.path === 'kubernetes.gpu.tolerations.0.tolerationSeconds');
  // Fractional fields still take any YAML number; decimal integers are taken as they are.
  const ok = loadRunConfig(file(`${head}algorithm:\n  innerLr: 1.0\n  outerLr: 1e-3\ntraining:\n  maxSteps: 1000\n  minDelta: 0\n`));
  assert.equal(ok.algorithm.innerLr, 1);
  assert.equal(ok.training.maxSteps, 1000);
});
