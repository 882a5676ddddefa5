import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { packageFile } from '../../src/core/package-root';
import { requireBinary } from '../support/binaries';
import { alertRules } from './dashboard-queries';

test('promtool check rules accepts dashboards/alerts.yml and finds every alert the issue asks for', () => {
  const check = spawnSync(requireBinary('promtool'), ['check', 'rules', packageFile('dashboards/alerts.yml')], { encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  assert.match(check.stdout, new RegExp(`SUCCESS: ${alertRules().length} rules found`));
  const names = alertRules().map((r) => r.alert);
  for (const required of ['MetatrainNoWorkers', 'MetatrainStepStalled', 'MetatrainMetaLossNaN', 'MetatrainMetaLossDiverging', 'MetatrainHighRedispatchRate', 'MetatrainCheckpointFailing', 'MetatrainCompressionFailed']) {
    assert.ok(names.includes(required), `missing alert ${required}`);
  }
});

test('every alert fires on the series that should trigger it and stays silent on a healthy run (promtool test rules)', () => {
  const unit = spawnSync(requireBinary('promtool'), ['test', 'rules', packageFile('test/dashboards/alerts-test.yml')], { encoding: 'utf8' });
  assert.equal(unit.status, 0, `${unit.stdout}${unit.stderr}`);
  assert.match(unit.stdout, /SUCCESS/);
});

test('the alert unit tests cover every alert of the rules file', () => {
  const text = readFileSync(packageFile('test/dashboards/alerts-test.yml'), 'utf8');
  const tested = new Set([...text.matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
  assert.deepEqual(alertRules().map((r) => r.alert).filter((a) => !tested.has(a)), []);
});
